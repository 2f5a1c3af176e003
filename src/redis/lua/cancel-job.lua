-- cancelJob: a queued or failed job becomes cancelled now; a running one gets cancelRequested;
-- a final one is unchanged.
-- KEYS[1]  {p}:meta (routing)
-- ARGV[1]  key base `{p}:`     ARGV[2]  instance id     ARGV[3]  jobId     ARGV[4]  nowMs
-- ARGV[5]  error JSON (the reason)
-- Touches: j:<id>, q:<task>:<priority>, qprio:<task>, qtasks, jfeed, done:cancelled, counts, sactive, dedupe.
-- Returns the job after the change (flat), or an empty array when it does not exist.
local base, id, now = ARGV[1], ARGV[3], tonumber(ARGV[4])
local key = base .. 'j:' .. id
local j = hmap(key)
if j == nil then return {} end
if is_claimable(j.st) then
  local old = job_state(j)
  j.st = 'cancelled'
  j.fat = num(now)
  j.uat = num(now)
  j.err = ARGV[5]
  save_job(base, id, j)
  reindex_job(base, id, old, j)
  signal(base, ARGV[2], 'schedules')
elseif j.st == 'running' and j.cr ~= '1' then
  rcall('HSET', key, 'cr', '1', 'uat', num(now))
  rcall('ZADD', base .. 'jfeed', num(now), id)
end
return rcall('HGETALL', key)
