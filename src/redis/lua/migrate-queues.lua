-- migrateQueues (schema 1 → 2): moves claimable jobs from the per-priority queues of schema 1,
-- `q:<priority>` listed in `qprio`, into the per-task queues `q:<task>:<priority>` (routing).
-- At most `budget` entries per call, so a large queue never blocks Redis for long; the caller
-- repeats until it answers 0. Idempotent: an entry moved is gone from its old queue.
-- KEYS[1]  {p}:meta (routing)
-- ARGV[1]  key base `{p}:`     ARGV[2]  budget
-- Touches: qprio, q:<priority>, j:<id> (read), q:<task>:<priority>, qprio:<task>, qtasks.
-- Returns the number of entries moved.
local base, budget = ARGV[1], tonumber(ARGV[2])
local moved = 0
for _, pri in ipairs(rcall('ZRANGE', base .. 'qprio', 0, -1)) do
  if moved >= budget then break end
  local old = base .. 'q:' .. pri
  local entries = rcall('ZRANGE', old, 0, budget - moved - 1, 'WITHSCORES')
  for e = 1, #entries, 2 do
    local member = entries[e]
    local task = rcall('HGET', base .. 'j:' .. string.sub(member, 18), 'task')
    -- A member whose job is gone was stale already: it is dropped.
    if task then
      local key = queue_key(base, task, pri)
      zset_later(key, member, entries[e + 1])
      queue_touched(base, key, task, pri)
    end
    rcall('ZREM', old, member)
    moved = moved + 1
  end
  if rcall('EXISTS', old) == 0 then rcall('ZREM', base .. 'qprio', pri) end
end
return moved
