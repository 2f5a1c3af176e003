-- claimJobs: claims up to `limit` queued/failed jobs of the given tasks with runAtMs <= nowMs,
-- priority descending, then runAtMs ascending, then creation order; each becomes running under a
-- new fencing token. Then, with aheadMs > 0, reserves up to `aheadLimit` of their jobs with
-- nowMs < runAtMs <= nowMs + aheadMs (runAtMs, then creation order): each becomes reserved by the
-- node, its lease counting from its runAtMs. Jobs of other tasks are never looked at (routing).
-- With maxActive, each task is claimed only while fewer than maxActive of its jobs are running or
-- reserved (the `active` counts; any node), and at most as many more as that leaves.
-- A job whose counters cannot be read is dead-lettered instead (quarantine_job in _lib.lua).
-- KEYS[1]  {p}:meta (routing)
-- ARGV[1]  key base `{p}:`     ARGV[2]  instance id     ARGV[3]  nodeId     ARGV[4]  nowMs
-- ARGV[5]  leaseMs             ARGV[6]  limit     ARGV[7]  aheadMs     ARGV[8]  aheadLimit
-- ARGV[9]  maxActive ('' = no cap)
-- ARGV[10..] task names
-- Touches: qprio:<task>, qtasks, q:<task>:<priority>, j:<id>, jlease, jfeed, counts, active,
--   sres:<scheduleId>, actv; for a job dead-lettered: its children (_flows.lua).
-- Returns the claimed jobs in claim order, 20 values each (claimed_reply in _jobs.lua), flat;
-- publishes when a dead-lettered job's children became queued.
local base = ARGV[1]
local maxActive = tonumber(ARGV[9])
if maxActive ~= nil then ensure_active_counts(base) end
local tasks = {}
for t = 10, #ARGV do tasks[#tasks + 1] = ARGV[t] end
local out = {}
claim_jobs(base, ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8]), tasks, out, maxActive)
if hot.childrenQueued then signal(base, ARGV[2], 'jobs') end
return out
