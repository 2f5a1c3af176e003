-- retryJob: puts a dead or cancelled job back in the queue (runAtMs = nowMs, one more attempt).
-- Its parents are not looked at again; its children still waiting count it unfinished again
-- (count_parent_again in _jobs.lua), and those it resolved stay as they are.
-- KEYS[1]  {p}:meta (routing)
-- ARGV[1]  key base `{p}:`     ARGV[2]  instance id     ARGV[3]  jobId     ARGV[4]  nowMs
-- Touches: j:<id>, q:<task>:<priority>, qprio:<task>, qtasks, jfeed, done:<status>, counts, sa:<scheduleId>, dedupe,
--   and its waiting children's records (pw).
-- Returns {'ok', flat job}, {'state', status} when the status does not allow it, or an empty
-- array when the job does not exist.
local base, id, now = ARGV[1], ARGV[3], tonumber(ARGV[4])
local key = base .. 'j:' .. id
local j = hmap(key)
if j == nil then return {} end
if j.st ~= 'dead' and j.st ~= 'cancelled' then return { 'state', j.st } end
local old = job_state(j)
j.st = 'queued'
j.run = num(now)
j.max = num((tonumber(j.att) or 0) + 1)
j.fat = nil
j.cr = nil
j.uat = num(now)
save_job(base, id, j)
reindex_job(base, id, old, j)
if j.hc == '1' then count_parent_again(base, id, 1) end
signal(base, ARGV[2], 'jobs')
return { 'ok', rcall('HGETALL', key) }
