-- enqueueJobs: creates jobs in order, unless one with the same id, the same (scheduleId,
-- fireAtMs), or a live job with the same dedupeKey exists (then that one is returned). A job with
-- parents (a flow's child) is created with the status they give it (shape_child in _flows.lua).
-- One atomic step: a parent that names no job undoes the whole call, and nothing is created.
-- KEYS[1]  {p}:meta (routing)
-- ARGV[1]  key base `{p}:`     ARGV[2]  instance id     ARGV[3]  number of jobs
-- ARGV[4..] per job: 12 arguments (create_job in _jobs.lua), then its parents as JSON ('' =
--   none), its onParentFailure, n (parents), and the n parent ids
-- Touches: seq, j:<id>, jall, jfeed, q:<task>:<priority>, qprio:<task>, qtasks, counts, sa:<scheduleId>,
--   f:<scheduleId>, dedupe; for a job with parents: ch:<parentId>, j:<parentId> (hc).
-- Returns per job 1 (created as given), {id, flat record, 1} (created with parents: the store
-- decided its status), or {id, flat record} of the job that blocked it; or, when a parent names
-- no job, {'unknown-parent', job id, parent id} alone. Publishes when a job was created.
local base = ARGV[1]
local jobs = tonumber(ARGV[3])
seq_block = math.max(1, jobs)
local out, created = {}, {}
local i = 4
for _ = 1, jobs do
  local n = tonumber(ARGV[i + 14])
  local parents, shape = nil, nil
  if n > 0 then
    parents = {}
    for k = 1, n do parents[k] = ARGV[i + 14 + k] end
    shape = shape_child(base, parents, ARGV[i + 13], ARGV[i + 12])
  end
  local j, id, unknownParent = create_job(base, ARGV, i, nil, shape)
  if unknownParent ~= nil then
    undo_created(base, created)
    return { 'unknown-parent', ARGV[i], unknownParent }
  end
  if j == nil then
    out[#out + 1] = { id, rcall('HGETALL', base .. 'j:' .. id) }
  else
    created[#created + 1] = { id = id, j = j, parents = parents }
    out[#out + 1] = parents == nil and 1 or { id, rcall('HGETALL', base .. 'j:' .. id), 1 }
  end
  i = i + 15 + n
end
if #created > 0 then signal(base, ARGV[2], 'jobs') end
return out
