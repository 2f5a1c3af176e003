-- The hot path, shared by claim-jobs.lua, complete-jobs.lua and complete-and-claim.lua: claiming
-- (due jobs, then reservations ahead) and completing. Prepended after _flows.lua to every script.
-- Not a script of its own.

-- The fields a claim and a completion change: the hot path writes only these, not the whole
-- record (payload included).
local claim_fields = { 'st', 'att', 'ft', 'lo', 'lx', 'sat', 'ast', 'uat' }
local success_fields = { 'st', 'att', 'sat', 'res', 'err', 'hist', 'lo', 'lx', 'ast', 'uat', 'fat' }
local failure_fields = { 'st', 'att', 'sat', 'run', 'err', 'hist', 'lo', 'lx', 'ast', 'uat', 'fat' }
local released_fields = { 'st', 'att', 'sat', 'run', 'hist', 'lo', 'lx', 'ast', 'uat' }
local deferred_fields = { 'st', 'att', 'run', 'lo', 'lx', 'ast', 'uat' }

-- Whether this script made a flow's child queued (resolve_children): the nodes are woken for it.
local hot = { childrenQueued = false }

-- A job reached a final status: its waiting children are resolved (`hc`: it has some).
local function job_ended(base, id, j, now)
  if j.hc == '1' and resolve_children(base, id, j.st, now) then hot.childrenQueued = true end
end

-- `active` (task → running + reserved jobs) is kept by every script since the version that
-- knew it; jobs leased before then were never counted, and a node of an older version, or a
-- job's record lost with its lease, would make it drift. So a capped claim counts them all again
-- from `jlease` when the key `actv` has expired (once a minute at most while claims are capped:
-- one read per running job). It runs before the script changes anything, so that no deferred
-- change of its own is counted twice.
local active_recount_ms = 60000

local function ensure_active_counts(base)
  if rcall('EXISTS', base .. 'actv') == 1 then return end
  local counts = {}
  for _, id in ipairs(rcall('ZRANGE', base .. 'jlease', 0, -1)) do
    local f = rcall('HMGET', base .. 'j:' .. id, 'st', 'task')
    if f[1] and is_leased(f[1]) and f[2] then counts[f[2]] = (counts[f[2]] or 0) + 1 end
  end
  rcall('DEL', base .. 'active')
  for task, n in pairs(counts) do rcall('HSET', base .. 'active', task, n) end
  rcall('SET', base .. 'actv', '1', 'PX', active_recount_ms)
end

-- How many more jobs of each task a capped claim may take: `maxActive` less the task's running
-- and reserved jobs (this script's own changes included), at least 0.
local function active_room(base, tasks, maxActive)
  local room = {}
  for from = 1, #tasks, chunk do
    local upto = math.min(from + chunk - 1, #tasks)
    local counts = rcall('HMGET', base .. 'active', unpack(tasks, from, upto))
    for t = from, upto do
      local task = tasks[t]
      room[task] = math.max(0, maxActive - (tonumber(counts[t - from + 1]) or 0) - (later.active[task] or 0))
    end
  end
  return room
end

-- Entries of the given tasks' queues scored within [min, max] (Redis range syntax), up to
-- `limit` per task (levels highest first) — fewer when `room` (a capped claim) allows fewer —,
-- as candidates {task, pri, prin, member, run}. Also answers how many queues gave entries: from
-- one queue they come in order already.
local function queue_candidates(base, tasks, min, max, limit, room)
  local candidates = {}
  local sources = 0
  for _, task in ipairs(tasks) do
    local cap = limit
    if room ~= nil and room[task] < cap then cap = room[task] end
    local taken = 0
    if cap > 0 then
      for _, pri in ipairs(rcall('ZREVRANGE', base .. 'qprio:' .. task, 0, -1)) do
        if taken >= cap then break end
        local entries = rcall('ZRANGEBYSCORE', queue_key(base, task, pri), min, max, 'WITHSCORES', 'LIMIT', 0, cap - taken)
        if #entries > 0 then sources = sources + 1 end
        for e = 1, #entries, 2 do
          candidates[#candidates + 1] = { task = task, pri = pri, prin = tonumber(pri), member = entries[e], run = tonumber(entries[e + 1]) }
          taken = taken + 1
        end
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
    job_ended(base, id, j, now)
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
-- ahead by runAtMs, creation. Appends 20 values per job to `out`. With `maxActive` (nil: no cap,
-- and nothing is counted), each task is taken only up to its room (active_room).
local function claim_jobs(base, node, now, leaseMs, limit, aheadMs, aheadLimit, tasks, out, maxActive)
  if #tasks == 0 then return end
  local room = nil
  if maxActive ~= nil then room = active_room(base, tasks, maxActive) end
  if limit > 0 then
    local candidates, sources = queue_candidates(base, tasks, '-inf', now, limit, room)
    if sources > 1 then table.sort(candidates, function(a, b)
      if a.prin ~= b.prin then return a.prin > b.prin end
      if a.run ~= b.run then return a.run < b.run end
      return a.member < b.member
    end) end
    for c = 1, math.min(#candidates, limit) do
      local candidate = candidates[c]
      if take_candidate(base, candidate, now, out, start_claimed, node, leaseMs) and room ~= nil then
        room[candidate.task] = room[candidate.task] - 1
      end
    end
  end
  if aheadMs > 0 and aheadLimit > 0 then
    local candidates, sources = queue_candidates(base, tasks, '(' .. num(now), num(now + aheadMs), aheadLimit, room)
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

local complete_read = { 'st', 'ft', 'att', 'lo', 'ast', 'sat', 'hist', 'sid', 'fire', 'dk', 'task', 'pri', 'run', 'seq', 'hc' }
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
-- schedule's job ended) or nil. A job that ends final resolves its children (job_ended).
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
  if j.st == 'reserved' and (kind == 'released' or kind == 'deferred') then
    -- Given back before it started: queued again at its own instant (deferred: at the one
    -- given), no attempt to close.
    j.st = 'queued'
    j.lo, j.lx = nil, nil
    if kind == 'deferred' then
      j.run = retryAt
      hwrite(key, j, { 'st', 'lo', 'lx', 'uat', 'run' })
    else
      hwrite(key, j, { 'st', 'lo', 'lx', 'uat' })
    end
    reindex_job(base, id, old, j)
    return 1, 'requeued'
  end
  if kind == 'deferred' then
    -- Given back before its handler started: the attempt is neither counted nor recorded.
    j.st = 'queued'
    j.run = retryAt
    j.att = num((tonumber(j.att) or 1) - 1)
    j.lo, j.lx, j.ast = nil, nil, nil
    hwrite(key, j, deferred_fields)
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
  if is_final(j.st) then job_ended(base, id, j, now) end
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
  return requeued or hot.childrenQueued, freed
end
