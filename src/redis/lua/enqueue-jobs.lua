-- enqueueJobs: creates jobs in order, unless one with the same id, the same (scheduleId,
-- fireAtMs), or a live job with the same dedupeKey exists (then that one is returned).
-- KEYS[1]  {p}:meta (routing)
-- ARGV[1]  key base `{p}:`     ARGV[2]  instance id
-- ARGV[3..] 12 per job (create_job in _jobs.lua)
-- Touches: seq, j:<id>, jall, jfeed, q:<task>:<priority>, qprio:<task>, qtasks, counts, sa:<scheduleId>, f:<scheduleId>, dedupe.
-- Returns per job 1 (created as given) or {id, flat record} of the job that blocked it;
-- publishes when a job was created.
local base = ARGV[1]
seq_block = math.max(1, math.floor((#ARGV - 2) / 12))
local out = {}
local any = false
for i = 3, #ARGV, 12 do
  local created, id = create_job(base, ARGV, i, nil)
  if created ~= nil then
    any = true
    out[#out + 1] = 1
  else
    out[#out + 1] = { id, rcall('HGETALL', base .. 'j:' .. id) }
  end
end
if any then signal(base, ARGV[2], 'jobs') end
return out
