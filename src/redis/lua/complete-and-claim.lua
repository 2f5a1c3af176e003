-- completeAndClaim: completeJobs then claimJobs in one call (see complete-jobs.lua and
-- claim-jobs.lua): a busy node hands in its finished jobs and refills their slots in one round trip.
-- KEYS[1]  {p}:meta (routing)
-- ARGV[1]  key base `{p}:`     ARGV[2]  instance id     ARGV[3]  nodeId     ARGV[4]  nowMs (claim)
-- ARGV[5]  leaseMs             ARGV[6]  limit     ARGV[7]  aheadMs     ARGV[8]  aheadLimit
-- ARGV[9]  maxActive ('' = no cap)
-- ARGV[10] n (tasks)           ARGV[11..10+n] task names
-- then 10 per completion, as in complete-jobs.lua
-- Touches: what complete-jobs.lua and claim-jobs.lua touch.
-- Returns { {1 or 0 per completion}, {claimed jobs, 20 values each, flat} }.
local base = ARGV[1]
local maxActive = tonumber(ARGV[9])
-- Before the completions: the first capped claim's count must not see them twice.
if maxActive ~= nil then ensure_active_counts(base) end
local n = tonumber(ARGV[10])
local tasks = {}
for t = 11, 10 + n do tasks[#tasks + 1] = ARGV[t] end
local completed = {}
local requeued, freed = complete_jobs(base, ARGV, 11 + n, completed)
-- The claim comes after the completions: jobs they queued (a retry due, a job given back, a
-- flow's children released) are claimable by it, so their deferred queue writes go first. Not
-- on the usual path, where the completions queue nothing.
if requeued then
  flush_later()
  reset_later()
end
local claimed = {}
claim_jobs(base, ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8]), tasks, claimed, maxActive)
if requeued or hot.childrenQueued then signal(base, ARGV[2], 'jobs') end
if freed then signal(base, ARGV[2], 'schedules') end
return { completed, claimed }
