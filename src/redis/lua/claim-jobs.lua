-- claimJobs: claims up to `limit` queued/failed jobs of the given tasks with runAtMs <= nowMs,
-- priority descending, then runAtMs ascending, then creation order; each becomes running under a
-- new fencing token. Then, with aheadMs > 0, reserves up to `aheadLimit` of their jobs with
-- nowMs < runAtMs <= nowMs + aheadMs (runAtMs, then creation order): each becomes reserved by the
-- node, its lease counting from its runAtMs. Jobs of other tasks are never looked at (routing).
-- A job whose counters cannot be read is dead-lettered instead (quarantine_job in _lib.lua).
-- KEYS[1]  {p}:meta (routing)
-- ARGV[1]  key base `{p}:`     ARGV[2]  instance id (unused)     ARGV[3]  nodeId     ARGV[4]  nowMs
-- ARGV[5]  leaseMs             ARGV[6]  limit     ARGV[7]  aheadMs     ARGV[8]  aheadLimit
-- ARGV[9..] task names
-- Touches: qprio:<task>, qtasks, q:<task>:<priority>, j:<id>, jlease, jfeed, counts, sres:<scheduleId>.
-- Returns the claimed jobs in claim order, 19 values each (claimed_reply in _jobs.lua), flat.
local base = ARGV[1]
local tasks = {}
for t = 9, #ARGV do tasks[#tasks + 1] = ARGV[t] end
local out = {}
claim_jobs(base, ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8]), tasks, out)
return out
