-- The hot path, shared by claim-jobs.lua, complete-jobs.lua and complete-and-claim.lua: claiming
-- (due jobs, then reservations ahead) and completing. Prepended after _jobs.lua to every script.
-- Not a script of its own.

-- The fields a claim and a completion change: the hot path writes only these, not the whole
-- record (payload included).
local claim_fields = { 'st', 'att', 'ft', 'lo', 'lx', 'sat', 'ast', 'uat' }
local success_fields = { 'st', 'att', 'sat', 'res', 'err', 'hist', 'lo', 'lx', 'ast', 'uat', 'fat' }
local failure_fields = { 'st', 'att', 'sat', 'run', 'err', 'hist', 'lo', 'lx', 'ast', 'uat', 'fat' }
local released_fields = { 'st', 'att', 'sat', 'run', 'hist', 'lo', 'lx', 'ast', 'uat' }
-- Entries of the given tasks' queues scored within [min, max] (Redis range syntax), up to
-- `limit` per task (levels highest first), as candidates {task, pri, prin, member, run}.
-- Also answers how many queues gave entries: from one queue they come in order already.
local function queue_candidates(base, tasks, min, max, limit)
  local candidates = {}
  local sources = 0
  for _, task in ipairs(tasks) do
    local taken = 0
    for _, pri in ipairs(rcall('ZREVRANGE', base .. 'qprio:' .. task, 0, -1)) do
      if taken >= limit then break end
      local entries = rcall('ZRANGEBYSCORE', queue_key(base, task, pri), min, max, 'WITHSCORES', 'LIMIT', 0, limit - taken)
      if #entries > 0 then sources = sources + 1 end
      for e = 1, #entries, 2 do
        candidates[#candidates + 1] = { task = task, pri = pri, prin = tonumber(pri), member = entries[e], run = tonumber(entries[e + 1]) }
        taken = taken + 1
      end
    end
  end
  return candidates, sources
end

-- Takes one candidate: applies `transition` to its job and appends it to `out`; false when the
-- entry was stale (dropped) or the job was damaged (dead-lettered instead).
local function take_candidate(base, entry, now, out, transition, node, leaseMs)
  local id = string.sub(entry.member, 18)
  local key = base .. 'j:' .. id
  local j = read_job(key, claimed_fields)
  local damaged = j ~= nil and is_claimable(j.st) and unreadable_counter(j)
  if damaged then
    local queued = { st = j.st, pri = entry.pri, run = entry.run, seq = tonumber(string.sub(entry.member, 1, 16)) }
    quarantine_job(base, id, j, queued, now, damaged)
    return false
  elseif j == nil or not is_claimable(j.st) or queue_member(j, id) ~= entry.member then
    queue_remove(base, entry.task, entry.pri, entry.member) -- stale entry (data lost, or a bug elsewhere): drop it
    return false
  end
  local old = job_state(j)
  old.member = entry.member
  transition(j, node, now, leaseMs)
  hwrite(key, j, claim_fields)
  reindex_job(base, id, old, j)
  claimed_reply(out, id, j)
  return true
end

-- claimJobs (see claim-jobs.lua): due jobs by priority, runAtMs, creation; then reservations
-- ahead by runAtMs, creation. Appends 19 values per job to `out`.
local function claim_jobs(base, node, now, leaseMs, limit, aheadMs, aheadLimit, tasks, out)
  if #tasks == 0 then return end
  if limit > 0 then
    local candidates, sources = queue_candidates(base, tasks, '-inf', now, limit)
    if sources > 1 then table.sort(candidates, function(a, b)
      if a.prin ~= b.prin then return a.prin > b.prin end
      if a.run ~= b.run then return a.run < b.run end
      return a.member < b.member
    end) end
    for c = 1, math.min(#candidates, limit) do take_candidate(base, candidates[c], now, out, start_claimed, node, leaseMs) end
  end
  if aheadMs > 0 and aheadLimit > 0 then
    local candidates, sources = queue_candidates(base, tasks, '(' .. num(now), num(now + aheadMs), aheadLimit)
    if sources > 1 then table.sort(candidates, function(a, b)
      if a.run ~= b.run then return a.run < b.run end
      return a.member < b.member
    end) end
    local taken = 0
    for c = 1, #candidates do
      if taken >= aheadLimit then break end
      if take_candidate(base, candidates[c], now, out, reserve_job, node, leaseMs) then taken = taken + 1 end
    end
  end
end

local complete_read = { 'st', 'ft', 'att', 'lo', 'ast', 'sat', 'hist', 'sid', 'fire', 'dk', 'task', 'pri', 'run', 'seq' }
local default_outcomes = { succeeded = 'succeeded', retry = 'failed', dead = 'failed', cancelled = 'cancelled', released = 'interrupted' }
local final_statuses = { succeeded = 'succeeded', retry = 'failed', dead = 'dead', cancelled = 'cancelled', released = 'queued' }

-- A string as JSON text; the few distinct ones of a call (node ids, outcomes) encoded once.
local json_texts = {}
local function json_text(value)
  local text = json_texts[value]
  if text == nil then
    text = cjson.encode(value)
    json_texts[value] = text
  end
  return text
end

-- A discarded reservation: deleted, counted as skipped or missed on its schedule (if it still exists).
local function discard_job(base, id, j, countAs)
  delete_job(base, id, j)
  if j.sid ~= nil and rcall('EXISTS', base .. 's:' .. j.sid) == 1 then
    rcall('HINCRBY', base .. 's:' .. j.sid, 'fired', -1)
    rcall('HINCRBY', base .. 's:' .. j.sid, countAs == 'skipped' and 'skip' or 'miss', 1)
  end
end

-- completeJobs (see complete-jobs.lua): the 10 arguments of one request at ARGV[i..]. Returns
-- 1/0 (applied or not), and what it did for the wake-up signals: 'requeued', 'freed' (a
-- schedule's job ended) or nil.
local function complete_one(base, argv, i)
  local id, token, now, kind = argv[i], argv[i + 1], tonumber(argv[i + 2]), argv[i + 3]
  local key = base .. 'j:' .. id
  local j = read_job(key, complete_read)
  if j == nil or not is_leased(j.st) or j.ft ~= token then return 0, nil end
  local retryAt, err, res, outcome, endSchedule, startedAt = argv[i + 4], argv[i + 5], argv[i + 6], argv[i + 7], argv[i + 8] == '1', argv[i + 9]
  if kind == 'discarded' then
    discard_job(base, id, j, outcome)
    return 1, 'freed'
  end
  local old = job_state(j)
  local nowText = num(now)
  j.uat = nowText
  if j.st == 'reserved' and kind == 'released' then
    -- Given back before it started: queued again at its own instant, no attempt to close.
    j.st = 'queued'
    j.lo, j.lx = nil, nil
    hwrite(key, j, { 'st', 'lo', 'lx', 'uat' })
    reindex_job(base, id, old, j)
    return 1, 'requeued'
  end
  if j.st == 'reserved' then start_reserved(j, startedAt ~= '' and startedAt or nowText, nowText) end
  local attemptNo, attemptNode, attemptStart = j.att, j.lo or '', j.ast or nowText
  if outcome == '' then outcome = default_outcomes[kind] end
  local attemptError = 'null'
  if kind == 'succeeded' then
    j.res = res ~= '' and res or nil
    j.err = nil
  elseif kind == 'released' then
    j.run = nowText
    j.att = num((tonumber(j.att) or 1) - 1)
  else
    attemptError = err
    j.err = err
    if kind == 'retry' then j.run = retryAt end
  end
  -- The closed attempt joins the history (a comma-joined list of JSON objects).
  local attempt = '{"attempt":' .. attemptNo .. ',"nodeId":' .. json_text(attemptNode) .. ',"fencingToken":' .. j.ft
    .. ',"startedAtMs":' .. attemptStart .. ',"finishedAtMs":' .. nowText
    .. ',"outcome":' .. json_text(outcome) .. ',"error":' .. attemptError .. '}'
  j.hist = (j.hist == nil or j.hist == '') and attempt or (j.hist .. ',' .. attempt)
  j.st = final_statuses[kind]
  j.lo, j.lx, j.ast = nil, nil, nil
  local did = nil
  if is_final(j.st) then
    j.fat = nowText
    -- Only a schedule's job frees capacity another node may be waiting for (maxRunning).
    if j.sid ~= nil then did = 'freed' end
  end
  if is_claimable(j.st) then did = 'requeued' end
  hwrite(key, j, kind == 'succeeded' and success_fields or kind == 'released' and released_fields or failure_fields)
  reindex_job(base, id, old, j)
  if endSchedule and j.sid ~= nil then
    drop_reservations(base, j.sid, now)
    delete_schedule(base, j.sid)
  end
  return 1, did
end

-- Applies the completions at ARGV[from..] (10 values each); appends 1/0 per request to `out`.
-- Returns whether any job was requeued, and whether any schedule's job was freed (final, or a fire
-- discarded).
local function complete_jobs(base, argv, from, out)
  local requeued, freed = false, false
  for i = from, #argv, 10 do
    local ok, did = complete_one(base, argv, i)
    out[#out + 1] = ok
    if did == 'requeued' then requeued = true elseif did == 'freed' then freed = true end
  end
  return requeued, freed
end
