-- renewLeases: extends the leases still held (status running, same fencing token, same owner).
-- KEYS[1]  {p}:meta (routing)
-- ARGV[1]  key base `{p}:`     ARGV[2]  nodeId     ARGV[3]  nowMs     ARGV[4]  leaseMs
-- ARGV[5..] pairs of (jobId, fencingToken)
-- Touches: j:<id>, jlease.
-- Returns { {held 0/1, cancelRequested 0/1}, ... } in order.
local base, node, now, leaseMs = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local out = {}
for i = 5, #ARGV, 2 do
  local id, token = ARGV[i], ARGV[i + 1]
  local key = base .. 'j:' .. id
  local fields = rcall('HMGET', key, 'st', 'ft', 'lo', 'cr')
  local held = fields[1] == 'running' and fields[2] == token and fields[3] == node
  if held then
    local lx = num(now + leaseMs)
    rcall('HSET', key, 'lx', lx)
    rcall('ZADD', base .. 'jlease', lx, id)
  end
  out[#out + 1] = { held and 1 or 0, fields[4] == '1' and 1 or 0 }
end
return out
