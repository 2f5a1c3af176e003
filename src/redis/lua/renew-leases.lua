-- renewLeases: extends the leases still held (status running or reserved, same fencing token,
-- same owner). A running job's lease runs until nowMs + leaseMs. A reserved job its node started
-- (startedAtMs given) becomes running, its attempt counted; one not started yet keeps waiting,
-- its lease until max(nowMs, runAtMs) + leaseMs.
-- KEYS[1]  {p}:meta (routing)
-- ARGV[1]  key base `{p}:`     ARGV[2]  nodeId     ARGV[3]  nowMs     ARGV[4]  leaseMs
-- ARGV[5..] triples of (jobId, fencingToken, startedAtMs ('' = not started / running))
-- Touches: j:<id>, jlease, and for a reserved job started: counts, sres:<scheduleId>.
-- Returns { held 0/1, cancelRequested 0/1, ... } flat, in order.
local base, node, now, leaseMs = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local renew_read = { 'st', 'ft', 'lo', 'cr', 'run', 'att', 'sat', 'sid', 'task', 'pri', 'seq', 'uat', 'dk' }
local out = {}
for i = 5, #ARGV, 3 do
  local id, token, startedAt = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local key = base .. 'j:' .. id
  local j = read_job(key, renew_read)
  local held = j ~= nil and is_leased(j.st) and j.ft == token and j.lo == node
  if held then
    if j.st == 'reserved' and startedAt ~= '' then
      local old = job_state(j)
      start_reserved(j, startedAt, num(now + leaseMs))
      j.uat = num(now) -- the change feed shows the start
      hwrite(key, j, { 'st', 'att', 'sat', 'ast', 'lx', 'uat' })
      reindex_job(base, id, old, j)
    else
      local from = now
      if j.st == 'reserved' then from = math.max(now, tonumber(j.run) or now) end
      local lx = num(from + leaseMs)
      rcall('HSET', key, 'lx', lx)
      zset_later(base .. 'jlease', id, lx)
    end
  end
  out[#out + 1] = held and 1 or 0
  out[#out + 1] = (j ~= nil and j.cr == '1') and 1 or 0
end
return out
