-- Shared helpers for job records: reading some fields, the answer a claim gives, creating,
-- reserving and deleting jobs, and a schedule's reservations. Prepended after _lib.lua to every
-- script (see scripts.ts). Not a script of its own.

-- The fields of `names` of a job hash, as a table (absent fields nil); nil when the job is gone.
local function read_job(key, names)
  local values = rcall('HMGET', key, unpack(names))
  local j = {}
  for i = 1, #names do
    local v = values[i]
    if v then j[names[i]] = v end
  end
  if j.st == nil then return nil end
  return j
end

-- A job as a claim answers it (ClaimedJob, decoded by decodeClaimed in codecs.ts): 20 values,
-- false for null. The 16th is the trace context (`tc`, absent unless the job was traced). The
-- next three are the record's history, error and result, only so that the node can tell a
-- damaged one (they are absent on a first attempt, the hot path). The 20th is its parents
-- (`par`, JSON; absent unless the job is a flow's child). `hc` (the job has children) is read
-- along for a damaged job that the claim dead-letters (its children are resolved).
local claimed_fields = { 'task', 'data', 'o', 'sid', 'fire', 'pri', 'run', 'cat', 'dk', 'st', 'att', 'max', 'ft', 'seq', 'sat', 'lx', 'tc', 'hist', 'err', 'res', 'par', 'hc' }

local function claimed_reply(out, id, j)
  local st = j.st
  local attempt = j.att
  if st ~= 'running' then attempt = num((tonumber(j.att) or 0) + 1) end
  if st ~= 'running' and st ~= 'reserved' then st = 'queued' end
  local n = #out
  out[n + 1] = id
  out[n + 2] = j.task or ''
  out[n + 3] = j.data or false
  out[n + 4] = j.o or false
  out[n + 5] = j.sid or false
  out[n + 6] = j.fire or false
  out[n + 7] = j.pri or false
  out[n + 8] = j.run or false
  out[n + 9] = j.cat or false
  out[n + 10] = j.dk or false
  out[n + 11] = st
  out[n + 12] = attempt
  out[n + 13] = j.max or false
  out[n + 14] = j.ft or false
  out[n + 15] = j.lx or false
  out[n + 16] = j.tc or false
  out[n + 17] = j.hist or false
  out[n + 18] = j.err or false
  out[n + 19] = j.res or false
  out[n + 20] = j.par or false
end

-- A claimable job becomes running under a new fencing token; its attempt starts at `now`.
local function start_claimed(j, node, now, leaseMs)
  j.st = 'running'
  j.att = num(tonumber(j.att) + 1)
  j.ft = num(tonumber(j.ft) + 1)
  j.lo = node
  j.lx = num(now + leaseMs)
  j.sat = j.sat or num(now)
  j.ast = num(now)
  j.uat = num(now)
end

-- A claimable (or new) job becomes reserved by `node` under a new fencing token, its lease
-- counting from its runAtMs; no attempt is counted.
local function reserve_job(j, node, now, leaseMs)
  j.st = 'reserved'
  j.ft = num((tonumber(j.ft) or 0) + 1)
  j.lo = node
  j.lx = num(tonumber(j.run) + leaseMs)
  j.uat = num(now)
end

-- A reserved job its node started: running, its attempt counted from `startedAt`.
local function start_reserved(j, startedAt, leaseExpires)
  j.st = 'running'
  j.att = num((tonumber(j.att) or 0) + 1)
  j.sat = j.sat or startedAt
  j.ast = startedAt
  j.lx = leaseExpires
end

-- A nullable text argument: '' is null, anything else is '=' followed by the value.
local function opt_text(arg) if arg == '' then return nil end return string.sub(arg, 2) end

-- Creation order: `seq` is taken from Redis once per script, in blocks, and counted here.
local seq_next, seq_last = 0, -1
local seq_block = 1000
local function next_seq(base)
  if seq_next > seq_last then
    seq_last = rcall('INCRBY', base .. 'seq', seq_block)
    seq_next = seq_last - seq_block + 1
  end
  seq_next = seq_next + 1
  return num(seq_next - 1)
end

-- Creates a job from 12 arguments at ARGV[at..] (id, task, data JSON, origin, scheduleId (opt_text),
-- fireAtMs ('' = null), priority, runAtMs, maxAttempts, dedupeKey (opt_text), createdAtMs,
-- traceContext ('' = none: the `tc` field is then not written)) unless it conflicts: same id,
-- same (scheduleId, fireAtMs), or a live job with its dedupeKey.
-- With `reserve` ({node, leaseMs, now}) it is created reserved by that node. With `shape` (a
-- flow's child: see shape_child in _flows.lua), called with the new job's table and id before
-- anything is written: it sets what the job's parents decide, or returns why it may not be created.
-- Returns the new job's table, or nil and the id of the job that blocked it, or nil, nil and
-- what `shape` refused.
local function create_job(base, argv, at, reserve, shape)
  local id = argv[at]
  local jkey = base .. 'j:' .. id
  if rcall('EXISTS', jkey) == 1 then return nil, id end
  local sid, fire, dk = opt_text(argv[at + 4]), argv[at + 5], opt_text(argv[at + 9])
  if fire == '' then fire = nil end
  if sid ~= nil and fire ~= nil then
    local other = rcall('HGET', base .. 'f:' .. sid, fire)
    if other and rcall('EXISTS', base .. 'j:' .. other) == 1 then return nil, other end
  end
  if dk ~= nil then
    local other = rcall('HGET', base .. 'dedupe', dk)
    if other then
      local st = rcall('HGET', base .. 'j:' .. other, 'st')
      if st and not is_final(st) then return nil, other end
    end
  end
  local j = {
    task = argv[at + 1], data = argv[at + 2], o = argv[at + 3], sid = sid, fire = fire, st = 'queued',
    pri = argv[at + 6], run = argv[at + 7], cat = argv[at + 10], uat = argv[at + 10],
    att = '0', max = argv[at + 8], dk = dk, ft = '0', seq = next_seq(base),
  }
  if argv[at + 11] ~= '' then j.tc = argv[at + 11] end
  if shape ~= nil then
    local refused = shape(j, id)
    if refused ~= nil then return nil, nil, refused end
  end
  if reserve ~= nil then reserve_job(j, reserve.node, reserve.now, reserve.leaseMs) end
  -- A new hash: only the fields present are written (nothing to delete).
  local set = {}
  for _, name in ipairs(job_fields) do
    local v = j[name]
    if v ~= nil then set[#set + 1] = name; set[#set + 1] = v end
  end
  rcall('HSET', jkey, unpack(set))
  zset_later(base .. 'jall', id, j.cat)
  if sid ~= nil and fire ~= nil then rcall('HSET', base .. 'f:' .. sid, fire, id) end
  if dk ~= nil then rcall('HSET', base .. 'dedupe', dk, id) end
  reindex_job(base, id, nil, j)
  return j, id
end

-- Adds `by` to the unfinished-parent count of job `id`'s waiting children (a parent retried: +1;
-- deleted unfinished: -1). Nothing they show changes, so updatedAtMs stays.
local function count_parent_again(base, id, by)
  for _, childId in ipairs(rcall('SMEMBERS', base .. 'ch:' .. id)) do
    local key = base .. 'j:' .. childId
    local c = rcall('HMGET', key, 'st', 'pw')
    if c[1] == 'waiting' then rcall('HSET', key, 'pw', num(math.max(0, (tonumber(c[2]) or 0) + by))) end
  end
end

-- Deletes a job that is not final (a discarded or cancelled-ahead reservation) with its index
-- entries, its fire slot and its dedupe key, as if it had never been created. Its waiting
-- children (flows) count it as final from now on, as they would a purged parent; nothing
-- resolves them now. `j` holds at least st, sid, fire, dk, task, pri, run, seq, hc.
local function delete_job(base, id, j)
  rcall('DEL', base .. 'j:' .. id)
  if j.hc == '1' then count_parent_again(base, id, -1) end
  zset_later(base .. 'jall', id, false)
  zset_later(base .. 'jfeed', id, false)
  if is_leased(j.st) then
    zset_later(base .. 'jlease', id, false)
    count_active(base, j.task, -1)
  end
  if is_claimable(j.st) then queue_remove(base, j.task, j.pri, queue_member(j, id)) end
  count(base, j.st, -1)
  if j.sid ~= nil then
    if j.st == 'reserved' then rcall('ZREM', base .. 'sres:' .. j.sid, id) end
    if j.fire ~= nil and rcall('HGET', base .. 'f:' .. j.sid, j.fire) == id then rcall('HDEL', base .. 'f:' .. j.sid, j.fire) end
    rcall('SREM', base .. 'sa:' .. j.sid, id)
  end
  if j.dk ~= nil and rcall('HGET', base .. 'dedupe', j.dk) == id then rcall('HDEL', base .. 'dedupe', j.dk) end
end

local drop_fields = { 'st', 'sid', 'fire', 'dk', 'task', 'pri', 'run', 'seq', 'hc' }

-- Deletes the schedule's reserved jobs not due at `now` (runAtMs > now): they would run a
-- definition that changed, or a schedule that is gone. Returns how many, and the earliest of
-- their fires (nil when none).
local function drop_reservations(base, sid, now)
  local index = base .. 'sres:' .. sid
  local n, earliest = 0, nil
  for _, id in ipairs(rcall('ZRANGEBYSCORE', index, '(' .. num(now), '+inf')) do
    local j = read_job(base .. 'j:' .. id, drop_fields)
    if j ~= nil and j.st == 'reserved' and (tonumber(j.run) or 0) > now then
      delete_job(base, id, j)
      n = n + 1
      local at = tonumber(j.fire or j.run)
      if earliest == nil or at < earliest then earliest = at end
    elseif j == nil or j.st ~= 'reserved' then
      rcall('ZREM', index, id) -- stale entry
    end
  end
  return n, earliest
end

-- Drops a stored schedule's reservations not due yet (the table `s` is changed, not written):
-- firedCount goes down by as many; with `moveBack`, nextFireAtMs moves back to the earliest.
local function drop_schedule_reservations(base, sid, s, now, moveBack)
  local n, earliest = drop_reservations(base, sid, now)
  if n == 0 then return end
  s.fired = num((tonumber(s.fired) or 0) - n)
  if moveBack and earliest ~= nil and (s.next == nil or earliest < (tonumber(s.next) or 0)) then s.next = num(earliest) end
end
