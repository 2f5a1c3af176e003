-- enqueueJobs: creates jobs in order, unless one with the same id, the same (scheduleId,
-- fireAtMs), or a live job with the same dedupeKey exists (then that one is returned).
-- KEYS[1]  {p}:meta (routing)
-- ARGV[1]  key base `{p}:`     ARGV[2]  instance id
-- ARGV[3..] pairs of (job meta JSON without data, data JSON)
-- Touches: seq, j:<id>, jall, jfeed, q:<task>:<priority>, qprio:<task>, qtasks, counts, sactive, f:<scheduleId>, dedupe.
-- Returns { {created 0/1, job id, flat job}, ... }; publishes when a job was created.
local base = ARGV[1]
local out = {}
local any = false
for i = 3, #ARGV, 2 do
  local ok, id, flat = create_job(base, ARGV[i], ARGV[i + 1])
  if ok then any = true end
  out[#out + 1] = { ok and 1 or 0, id, flat }
end
if any then signal(base, ARGV[2], 'jobs') end
return out
