-- completeJobs: ends the current attempt of running jobs, each request atomically and on its own,
-- only when the job is running under the given fencing token (else nothing changes).
-- KEYS[1]  {p}:meta (routing)
-- ARGV[1]  key base `{p}:`     ARGV[2]  instance id
-- then 9 per request: jobId, fencingToken, nowMs, kind (succeeded|retry|dead|cancelled|released),
--   retryAtMs (''), error JSON (''), result JSON ('' = null), attempt outcome ('' = default),
--   endSchedule ('1'/'0')
-- Touches: j:<id>, q:<task>:<priority>, qprio:<task>, qtasks, jlease, jfeed, done:<status>, counts, sactive, dedupe,
--   and s:<id> + schedule indexes with endSchedule.
-- Returns { flat job or empty array, ... } in order; publishes when work was freed or requeued.
local base = ARGV[1]
local defaults = { succeeded = 'succeeded', retry = 'failed', dead = 'failed', cancelled = 'cancelled', released = 'interrupted' }
local statuses = { succeeded = 'succeeded', retry = 'failed', dead = 'dead', cancelled = 'cancelled', released = 'queued' }
local out = {}
local requeued, freed = false, false
for i = 3, #ARGV, 9 do
  local id, token, now, kind = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2]), ARGV[i + 3]
  local retryAt, err, res, outcome, endSchedule = ARGV[i + 4], ARGV[i + 5], ARGV[i + 6], ARGV[i + 7], ARGV[i + 8] == '1'
  local key = base .. 'j:' .. id
  local j = hmap(key)
  if j == nil or j.st ~= 'running' or j.ft ~= token then
    out[#out + 1] = {}
  else
    local old = job_state(j)
    local attemptNo, attemptNode, attemptStart = j.att, j.lo or '', j.ast or num(now)
    if outcome == '' then outcome = defaults[kind] end
    local attemptError = 'null'
    if kind == 'succeeded' then
      j.res = res ~= '' and res or nil
      j.err = nil
    elseif kind == 'released' then
      j.run = num(now)
      j.att = num((tonumber(j.att) or 1) - 1)
    else
      attemptError = err
      j.err = err
      if kind == 'retry' then j.run = retryAt end
    end
    -- The closed attempt joins the history (a comma-joined list of JSON objects).
    local attempt = '{"attempt":' .. attemptNo .. ',"nodeId":' .. cjson.encode(attemptNode) .. ',"fencingToken":' .. j.ft
      .. ',"startedAtMs":' .. attemptStart .. ',"finishedAtMs":' .. num(now)
      .. ',"outcome":' .. cjson.encode(outcome) .. ',"error":' .. attemptError .. '}'
    j.hist = (j.hist == nil or j.hist == '') and attempt or (j.hist .. ',' .. attempt)
    j.st = statuses[kind]
    j.lo = nil
    j.lx = nil
    j.ast = nil
    j.uat = num(now)
    if is_final(j.st) then j.fat = num(now); freed = true end
    if is_claimable(j.st) then requeued = true end
    hwrite(key, j, complete_fields)
    reindex_job(base, id, old, j)
    if endSchedule and j.sid ~= nil then delete_schedule(base, j.sid) end
    out[#out + 1] = flatten(j)
  end
end
if requeued then signal(base, ARGV[2], 'jobs') end
if freed then signal(base, ARGV[2], 'schedules') end
return out
