-- cancelJob: a waiting, queued or failed job, or a reserved one not due yet (runAtMs > nowMs),
-- becomes cancelled now (lease cleared) and resolves its waiting children (resolve_children in
-- _flows.lua); a running one, or a reserved one due (its node may have started it), gets
-- cancelRequested; a final one is unchanged.
-- KEYS[1]  {p}:meta (routing)
-- ARGV[1]  key base `{p}:`     ARGV[2]  instance id     ARGV[3]  jobId     ARGV[4]  nowMs
-- ARGV[5]  error JSON (the reason)
-- Touches: j:<id>, q:<task>:<priority>, qprio:<task>, qtasks, jfeed, jlease, done:cancelled, counts,
--   active, sa:<scheduleId>, dedupe, sres:<scheduleId>; ch:<id> and its children's records and
--   indexes, recursively.
-- Returns the job after the change (flat), or an empty array when it does not exist.
local base, id, now = ARGV[1], ARGV[3], tonumber(ARGV[4])
local key = base .. 'j:' .. id
local j = hmap(key)
if j == nil then return {} end
if is_waiting(j.st) or is_claimable(j.st) or (j.st == 'reserved' and (tonumber(j.run) or 0) > now) then
  local old = job_state(j)
  j.st = 'cancelled'
  j.fat = num(now)
  j.uat = num(now)
  j.err = ARGV[5]
  j.lo, j.lx = nil, nil
  save_job(base, id, j)
  reindex_job(base, id, old, j)
  signal(base, ARGV[2], 'schedules')
  if j.hc == '1' and resolve_children(base, id, 'cancelled', now) then signal(base, ARGV[2], 'jobs') end
elseif is_leased(j.st) and j.cr ~= '1' then
  rcall('HSET', key, 'cr', '1', 'uat', num(now))
  zset_later(base .. 'jfeed', id, num(now))
end
return rcall('HGETALL', key)
