-- Flows (job dependencies; see Store.enqueueJobs and Store.completeJobs): a child created with
-- the status its parents give it, and a finished job's waiting children resolved in the same
-- script. Prepended after _jobs.lua to every script (see scripts.ts). Not a script of its own.
--
-- A child keeps its parents as given (`par`: JSON written by the caller, only ever read back by
-- decodeJob, so damaged text there fails no script), its policy (`opf`) and how many of its
-- parents are not final now (`pw`). A parent keeps its children in the set `ch:<id>`, and `hc` =
-- '1' in its own hash, so that ending one of the many jobs that have none costs no command.
-- `pw` follows every change of a parent between unfinished and final: down when it ends (here),
-- up when an operator retries it (retry-job.lua: the child waits for it again), down when it is
-- deleted unfinished (a discarded reservation, delete_job in _jobs.lua: gone counts as final;
-- count_parent_again). A child's edges stay while it exists, its parent deleted or not.

-- childStatusAfterParentEnds (src/domain/parent-resolution.ts).
local function child_status_after(parentStatus, policy, unfinishedAfter)
  if parentStatus ~= 'succeeded' and policy ~= 'ignore' then
    if policy == 'cancel' then return 'cancelled' end
    return 'dead'
  end
  if unfinishedAfter > 0 then return 'waiting' end
  return 'queued'
end

-- parentFailedError (src/domain/parent-resolution.ts), as JSON text.
local function parent_failed_error(parentId, parentStatus)
  return '{"name":"ParentFailedError","message":' .. cjson.encode('parent job ' .. parentId .. ' ended ' .. parentStatus) .. '}'
end

-- A stored policy; damaged text acts as the default (decodeJob flags the field unreadable).
local function policy_of(text)
  if text == 'ignore' or text == 'cancel' then return text end
  return 'fail'
end

-- The `shape` of create_job (_jobs.lua) for a child with `parents` (ids, in order), its policy and
-- its parents as JSON text. Reads each parent's status now, so a parent created earlier in the
-- same script counts with the status its own creation gave it: waiting while any is unfinished,
-- else queued (due no earlier than its creation, the enqueue's instant); dead or cancelled at
-- once when a parent that ended so names a `fail` or `cancel` policy (the first such, in the
-- given order, is named). Then writes the edges. Returns the id of a parent that names no job
-- (nothing is written then).
local function shape_child(base, parents, policy, parentsJson)
  return function(j, id)
    local statuses = {}
    for k, parentId in ipairs(parents) do
      local st = rcall('HGET', base .. 'j:' .. parentId, 'st')
      if not st then return parentId end
      statuses[k] = st
    end
    local unfinished = 0
    for _, st in ipairs(statuses) do
      if not is_final(st) then unfinished = unfinished + 1 end
    end
    j.par, j.opf, j.pw = parentsJson, policy, num(unfinished)
    j.st = unfinished > 0 and 'waiting' or 'queued'
    for k, st in ipairs(statuses) do
      if st == 'dead' or st == 'cancelled' then
        local next = child_status_after(st, policy, unfinished)
        if next == 'dead' or next == 'cancelled' then
          j.st = next
          j.err = parent_failed_error(parents[k], st)
          j.fat = j.cat
          break
        end
      end
    end
    if j.st == 'queued' and tonumber(j.run) < tonumber(j.cat) then j.run = j.cat end
    for _, parentId in ipairs(parents) do
      rcall('SADD', base .. 'ch:' .. parentId, id)
      rcall('HSET', base .. 'j:' .. parentId, 'hc', '1')
    end
    return nil
  end
end

-- Deletes jobs this script created ({id, j, parents} each) and their edges, and forgets the
-- deferred index writes: the script then changed nothing but the `seq` counter (gaps are fine)
-- and the parents' `hc` flags (a flag without children costs one empty read).
local function undo_created(base, created)
  for _, c in ipairs(created) do
    local id, j = c.id, c.j
    rcall('DEL', base .. 'j:' .. id)
    if j.sid ~= nil then
      if j.fire ~= nil and rcall('HGET', base .. 'f:' .. j.sid, j.fire) == id then rcall('HDEL', base .. 'f:' .. j.sid, j.fire) end
      rcall('SREM', base .. 'sa:' .. j.sid, id)
    end
    if j.dk ~= nil and rcall('HGET', base .. 'dedupe', j.dk) == id then rcall('HDEL', base .. 'dedupe', j.dk) end
    for _, parentId in ipairs(c.parents or {}) do rcall('SREM', base .. 'ch:' .. parentId, id) end
  end
  reset_later()
end

local child_read = { 'st', 'opf', 'pw', 'run', 'task', 'pri', 'seq', 'sid', 'dk', 'hc', 'att', 'ft', 'max' }

-- Job `id` reached the final `status` (succeeded, dead, cancelled) at `now`: resolves its waiting
-- children, and the children of those its failure ends, in turn (an explicit stack: a long chain
-- of `fail` children must not exhaust Lua's C stack). A child that changes status gets
-- updatedAtMs = now; one still waiting only counts one parent less. A child released whose
-- counters cannot be read is dead-lettered instead of queued. Returns whether any child became
-- queued (the caller wakes the nodes).
local function resolve_children(base, id, status, now)
  local queued = false
  local nowText = num(now)
  local ended = { { id = id, st = status } }
  while #ended > 0 do
    local parent = ended[#ended]
    ended[#ended] = nil
    for _, childId in ipairs(rcall('SMEMBERS', base .. 'ch:' .. parent.id)) do
      local key = base .. 'j:' .. childId
      local c = read_job(key, child_read)
      -- Ended meanwhile (an operator's cancel, another parent's failure): nothing to resolve.
      if c ~= nil and c.st == 'waiting' then
        local old = job_state(c)
        local left = math.max(0, (tonumber(c.pw) or 1) - 1)
        local next = child_status_after(parent.st, policy_of(c.opf), left)
        c.pw = num(left)
        c.uat = nowText
        local damaged = next == 'queued' and unreadable_counter(c)
        if damaged then
          quarantine_job(base, childId, c, old, now, damaged)
          hwrite(key, c, { 'pw' })
          next = 'dead'
        elseif next == 'waiting' then
          hwrite(key, c, { 'pw' })
        elseif next == 'queued' then
          c.st = 'queued'
          if tonumber(c.run) < now then c.run = nowText end
          hwrite(key, c, { 'st', 'pw', 'run', 'uat' })
          reindex_job(base, childId, old, c)
          queued = true
        else
          c.st = next
          c.fat = nowText
          c.err = parent_failed_error(parent.id, parent.st)
          hwrite(key, c, { 'st', 'pw', 'fat', 'err', 'uat' })
          reindex_job(base, childId, old, c)
        end
        if (next == 'dead' or next == 'cancelled') and c.hc == '1' then ended[#ended + 1] = { id = childId, st = next } end
      end
    end
  end
  return queued
end
