-- Shared helpers, prepended to every script of this folder when it is loaded (see scripts.ts).
-- Not a script of its own.
--
-- Conventions, for all scripts:
-- - KEYS[1] is the store's meta key `{p}:meta`: it routes the call to the right Cluster slot.
--   Every other key is derived from ARGV[1], the key base `{p}:`; they all share the hash tag,
--   so they live in the same slot.
-- - Times are epoch milliseconds given by the caller (no TIME: scripts stay deterministic).
-- - A record is a hash; a null field is an absent field. Numbers are written with num() so that
--   epoch milliseconds never go through Lua's lossy %.14g.
-- - Missing records (data lost after a Redis restart) read as "not found" / "lease lost".

local rcall = redis.call

local function num(x)
  x = tonumber(x)
  if x == math.floor(x) then return string.format('%.0f', x) end
  return string.format('%.17g', x)
end

local function hmap(key)
  local flat = rcall('HGETALL', key)
  if #flat == 0 then return nil, flat end
  local m = {}
  for i = 1, #flat, 2 do m[flat[i]] = flat[i + 1] end
  return m, flat
end

-- Writes the fields of `m` listed in `names`: present values are set, nil ones deleted.
local function hwrite(key, m, names)
  local set, del = {}, {}
  for _, name in ipairs(names) do
    local v = m[name]
    if v == nil then del[#del + 1] = name else set[#set + 1] = name; set[#set + 1] = v end
  end
  if #set > 0 then rcall('HSET', key, unpack(set)) end
  if #del > 0 then rcall('HDEL', key, unpack(del)) end
end

local function is_final(st) return st == 'succeeded' or st == 'dead' or st == 'cancelled' end
local function is_active(st) return st == 'queued' or st == 'running' or st == 'failed' or st == 'reserved' end
local function is_leased(st) return st == 'running' or st == 'reserved' end
local function is_claimable(st) return st == 'queued' or st == 'failed' end
local function is_waiting(st) return st == 'waiting' end

-- ---- deferred index writes ----------------------------------------------------------------
-- A hot-path script changes many jobs, and each change moved the job in several sorted sets and
-- counters: eight or nine commands per job. Those writes are gathered here and applied once
-- when the script ends (flush_later, which scripts.ts appends to every script): one ZADD/ZREM
-- per sorted set and one HINCRBY per counter for the whole batch. Only writes that no later step
-- of the same script reads are deferred (queues, leases, the change feed, final-status sets,
-- status counts); records, fire slots, dedupe keys and schedule counters are written at once.
-- Per key and member the last write wins, as if each had been applied in order.

-- queues: the claim queues touched, each with its task and level (see queue_add); active: the
-- change of each task's running + reserved jobs (the `active` hash, read by a capped claim).
local later = { sets = {}, counts = {}, countsKey = nil, queues = {}, active = {}, base = nil }

-- score: the new score, or false to remove the member.
local function zset_later(key, member, score)
  local set = later.sets[key]
  if set == nil then set = {}; later.sets[key] = set end
  set[member] = score
end

local function count(base, field, by)
  later.countsKey = base .. 'counts'
  later.counts[field] = (later.counts[field] or 0) + by
end

-- Summed per task, so a script that completes and claims as many jobs of a task as it frees
-- (a busy node's completeAndClaim) writes nothing to `active`.
local function count_active(base, task, by)
  later.base = base
  later.active[task] = (later.active[task] or 0) + by
end

-- Forgets every deferred write (a script that undoes its work before it returns).
local function reset_later()
  later.sets, later.counts, later.queues, later.active = {}, {}, {}, {}
end

-- At most this many arguments per command: Lua's unpack is bounded by its C stack.
local chunk = 1000

local function flush_later()
  for key, set in pairs(later.sets) do
    local add, rem = {}, {}
    for member, score in pairs(set) do
      if score then add[#add + 1] = score; add[#add + 1] = member else rem[#rem + 1] = member end
    end
    for i = 1, #rem, chunk do rcall('ZREM', key, unpack(rem, i, math.min(i + chunk - 1, #rem))) end
    for i = 1, #add, 2 * chunk do rcall('ZADD', key, unpack(add, i, math.min(i + 2 * chunk - 1, #add))) end
  end
  for field, by in pairs(later.counts) do
    if by ~= 0 and rcall('HINCRBY', later.countsKey, field, by) <= 0 then rcall('HDEL', later.countsKey, field) end
  end
  -- A count that would go below zero is dropped (it missed jobs leased before it was kept); a
  -- capped claim recounts it from time to time anyway (ensure_active_counts in _hot.lua).
  for task, by in pairs(later.active) do
    if by ~= 0 and rcall('HINCRBY', later.base .. 'active', task, by) <= 0 then rcall('HDEL', later.base .. 'active', task) end
  end
  -- qprio:<task> lists the task's priority levels whose queue is not empty; qtasks the tasks
  -- that have one.
  for queueKey, q in pairs(later.queues) do
    local levels = later.base .. 'qprio:' .. q.task
    if rcall('EXISTS', queueKey) == 1 then
      rcall('ZADD', levels, q.pri, q.pri)
      rcall('ZADD', later.base .. 'qtasks', 0, q.task)
    else
      rcall('ZREM', levels, q.pri)
      if rcall('EXISTS', levels) == 0 then rcall('ZREM', later.base .. 'qtasks', q.task) end
    end
  end
end

-- ---- schedules ------------------------------------------------------------------------------

-- Puts a schedule in the index its state calls for: `sdue` (by nextFireAtMs) when it is
-- unpaused, has a next fire and is not leased (or its lease expired at nowMs); `slease` (by
-- lease expiry) while leased; neither when paused or finished.
local function reindex_schedule(base, id, s, now)
  if s == nil or s.paused == '1' or s.next == nil then
    rcall('ZREM', base .. 'sdue', id)
    rcall('ZREM', base .. 'slease', id)
  elseif s.lo ~= nil and (tonumber(s.lx) or 0) > now then
    rcall('ZREM', base .. 'sdue', id)
    rcall('ZADD', base .. 'slease', s.lx, id)
  else
    rcall('ZREM', base .. 'slease', id)
    -- A nextFireAtMs that cannot be read counts as due: the runtime reads the record, finds the
    -- field unreadable and quarantines the schedule (pauses it).
    rcall('ZADD', base .. 'sdue', tonumber(s.next) and s.next or '0', id)
  end
end

local function delete_schedule(base, id)
  local existed = rcall('DEL', base .. 's:' .. id)
  rcall('ZREM', base .. 'schedules', id)
  rcall('ZREM', base .. 'sdue', id)
  rcall('ZREM', base .. 'slease', id)
  return existed
end

-- ---- jobs -----------------------------------------------------------------------------------

-- Claimable jobs live in one sorted set per task and priority level, `q:<task>:<priority>`,
-- scored by runAtMs, so a node reads only the queues of the tasks it runs (routing). The member
-- is the 16-digit creation sequence, ':' and the id, so equal runAtMs fall back to creation
-- order (Redis orders equal scores by member bytes). `qprio:<task>` lists a task's non-empty
-- levels, `qtasks` the tasks with any. (A priority has no ':', so the key names one queue.)
local function queue_member(j, id) return string.format('%016.0f', tonumber(j.seq)) .. ':' .. id end

local function queue_key(base, task, pri) return base .. 'q:' .. task .. ':' .. pri end

local function queue_touched(base, key, task, pri)
  if later.queues[key] == nil then
    later.base = base
    later.queues[key] = { task = task, pri = pri }
  end
end

local function queue_add(base, j, id)
  local key = queue_key(base, j.task, j.pri)
  zset_later(key, queue_member(j, id), j.run)
  queue_touched(base, key, j.task, j.pri)
end

local function queue_remove(base, task, pri, member)
  local key = queue_key(base, task, pri)
  zset_later(key, member, false)
  queue_touched(base, key, task, pri)
end

-- Moves the indexes of job `id` from its previous state `old` ({st, pri, run, seq}) to the
-- state of `j` (already changed in memory, written by the caller). old == nil: a new job.
local function reindex_job(base, id, old, j)
  local st = j.st
  local oldst = old and old.st
  if old ~= nil and is_claimable(oldst) then queue_remove(base, j.task, old.pri, old.member or queue_member(old, id)) end
  if is_claimable(st) then queue_add(base, j, id) end
  if is_leased(oldst) and not is_leased(st) then
    zset_later(base .. 'jlease', id, false)
    count_active(base, j.task, -1)
  elseif is_leased(st) and not is_leased(oldst) then
    count_active(base, j.task, 1)
  end
  if is_leased(st) then zset_later(base .. 'jlease', id, j.lx) end
  -- sres:<scheduleId>: the schedule's reserved jobs by runAtMs (read by drop_reservations in
  -- the same script, so written at once).
  if j.sid ~= nil and (oldst == 'reserved') ~= (st == 'reserved') then
    if st == 'reserved' then rcall('ZADD', base .. 'sres:' .. j.sid, j.run, id) else rcall('ZREM', base .. 'sres:' .. j.sid, id) end
  end
  if oldst ~= st then
    if oldst ~= nil then count(base, oldst, -1) end
    count(base, st, 1)
    if oldst ~= nil and is_final(oldst) then zset_later(base .. 'done:' .. oldst, id, false) end
    if is_final(st) then zset_later(base .. 'done:' .. st, id, j.fat) end
    -- sa:<scheduleId>: the schedule's active jobs (maxRunning, and listing them by schedule).
    if j.sid ~= nil and is_active(st) ~= (oldst ~= nil and is_active(oldst)) then
      if is_active(st) then rcall('SADD', base .. 'sa:' .. j.sid, id) else rcall('SREM', base .. 'sa:' .. j.sid, id) end
    end
    if j.dk ~= nil then
      if is_final(st) then
        if rcall('HGET', base .. 'dedupe', j.dk) == id then rcall('HDEL', base .. 'dedupe', j.dk) end
      elseif oldst ~= nil and is_final(oldst) then
        -- A key belongs to one live job: an operator's retry of an old job does not steal it.
        rcall('HSETNX', base .. 'dedupe', j.dk, id)
      end
    end
  end
  zset_later(base .. 'jfeed', id, j.uat)
end

local function job_state(j) return { st = j.st, pri = j.pri, run = j.run, seq = j.seq } end

-- The counters a claim needs. A job whose hash holds garbage in one of them (written by hand, a
-- bad restore) cannot be claimed under a fencing token: the claim dead-letters it on the spot
-- with a CORRUPT_RECORD error naming the field, instead of failing for every job in the call.
-- (Its JSON fields are the runtime's to check: see UnreadableField in src/domain.)
local counter_fields = { { 'att', 'attempt' }, { 'ft', 'fencingToken' }, { 'seq', 'seq' }, { 'max', 'maxAttempts' }, { 'pri', 'priority' }, { 'run', 'runAtMs' } }

local function unreadable_counter(j)
  for _, f in ipairs(counter_fields) do
    if tonumber(j[f[1]]) == nil then return f[2] end
  end
  return nil
end

-- `old` is the job's state as its queue entry says (the hash may not say it readably).
local function quarantine_job(base, id, j, old, now, field)
  j.st = 'dead'
  j.err = cjson.encode({ name = 'CorruptRecordError', code = 'CORRUPT_RECORD',
    message = 'Job ' .. id .. ' cannot be read: its field ' .. field .. ' is not a number; it was dead-lettered instead of claimed' })
  j.fat = num(now)
  j.uat = num(now)
  j.lo, j.lx, j.ast = nil, nil, nil
  hwrite(base .. 'j:' .. id, j, { 'st', 'err', 'fat', 'uat', 'lo', 'lx', 'ast' })
  reindex_job(base, id, old, j)
end

local job_fields = {
  'task', 'data', 'o', 'sid', 'fire', 'st', 'pri', 'run', 'cat', 'uat', 'sat', 'fat', 'att', 'max',
  'dk', 'lo', 'lx', 'ft', 'cr', 'res', 'err', 'hist', 'ast', 'seq', 'tc', 'par', 'opf', 'pw',
}

local function save_job(base, id, j) hwrite(base .. 'j:' .. id, j, job_fields) end

local function signal(base, instance, what) rcall('PUBLISH', base .. 'signals', what .. ':' .. instance) end
