-- purgeJobs (one chunk): deletes up to `max` final jobs of one status finished before the cutoff,
-- with their fire entry, so that the (scheduleId, fireAtMs) can be enqueued again, and a child's
-- entries in its parents' `ch:` sets (their listings by parentId no longer name it). A parent's
-- own `ch:<id>` stays while its children exist: they still name it.
-- KEYS[1]  {p}:meta (routing)
-- ARGV[1]  key base `{p}:`     ARGV[2]  status (succeeded|dead|cancelled)
-- ARGV[3]  finishedBeforeMs (exclusive)     ARGV[4]  max
-- Touches: done:<status>, j:<id>, jall, jfeed, f:<scheduleId>, dedupe, counts, ch:<parentId>.
-- Returns how many were deleted (the caller repeats while it gets `max`).
local base, status, before, max = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local ids = rcall('ZRANGEBYSCORE', base .. 'done:' .. status, '-inf', '(' .. before, 'LIMIT', 0, max)
for _, id in ipairs(ids) do
  local key = base .. 'j:' .. id
  local f = rcall('HMGET', key, 'sid', 'fire', 'dk', 'st', 'par')
  if f[1] and f[2] and rcall('HGET', base .. 'f:' .. f[1], f[2]) == id then rcall('HDEL', base .. 'f:' .. f[1], f[2]) end
  if f[3] and rcall('HGET', base .. 'dedupe', f[3]) == id then rcall('HDEL', base .. 'dedupe', f[3]) end
  if f[4] then count(base, f[4], -1) end
  if f[5] then
    -- Damaged parents text leaves the edges behind: listJobs checks a child's own parents anyway.
    local ok, parents = pcall(cjson.decode, f[5])
    if ok and type(parents) == 'table' then
      for _, parentId in ipairs(parents) do
        if type(parentId) == 'string' then rcall('SREM', base .. 'ch:' .. parentId, id) end
      end
    end
  end
  rcall('DEL', key)
  rcall('ZREM', base .. 'jall', id)
  rcall('ZREM', base .. 'jfeed', id)
  rcall('ZREM', base .. 'done:' .. status, id)
end
return #ids
