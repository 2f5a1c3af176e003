-- completeJobs: ends the current attempt of running (or reserved) jobs, each request atomically
-- and on its own, only when the job is running or reserved under the given fencing token (else
-- nothing changes). A reserved job is first made running (its attempt counted from startedAtMs).
-- A job that ends succeeded, dead or cancelled resolves its waiting children, recursively
-- (resolve_children in _flows.lua).
-- KEYS[1]  {p}:meta (routing)
-- ARGV[1]  key base `{p}:`     ARGV[2]  instance id
-- then 10 per request: jobId, fencingToken, nowMs, kind (succeeded|retry|dead|cancelled|released|
--   deferred|discarded), retryAtMs ('' = none; for deferred: its runAtMs), error JSON (''), result
--   JSON ('' = null), attempt outcome ('' = default; for discarded: skipped|missed), endSchedule
--   ('1'/'0'), startedAtMs ('' = none)
-- Touches: j:<id>, q:<task>:<priority>, qprio:<task>, qtasks, jlease, jfeed, jall, done:<status>,
--   counts, active, sa:<scheduleId>, dedupe, f:<scheduleId>, sres:<scheduleId>, s:<scheduleId> (discarded),
--   ch:<id> (DEL, discarded), the schedule's records and indexes with endSchedule, and for a job
--   ended: ch:<id> and its children's records and indexes, recursively.
-- Returns { 1 or 0, ... } in order; publishes when work was freed or requeued.
local base = ARGV[1]
local out = {}
local requeued, freed = complete_jobs(base, ARGV, 3, out)
if requeued then signal(base, ARGV[2], 'jobs') end
if freed then signal(base, ARGV[2], 'schedules') end
return out
