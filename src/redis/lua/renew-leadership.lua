-- renewLeadership: a fenced write. Only the holder, under its own term, extends its lease; any
-- renewal bumps the version, which is what tells candidates watching it that the holder lives.
-- KEYS[1]  {p}:meta (routing)
-- ARGV[1]  key base `{p}:`     ARGV[2]  name     ARGV[3]  nodeId     ARGV[4]  term
-- ARGV[5]  nowMs     ARGV[6]  leaseMs
-- Touches: l:<name>.
-- Returns the record after the renewal (flat), or an empty array when the node no longer leads
-- under that term (nothing changed).
local base, name, node, term, now, lease = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5], ARGV[6]
local key = base .. 'l:' .. name
local f = rcall('HMGET', key, 'holder', 'term')
if f[1] ~= node or tonumber(f[2]) ~= term then return {} end
rcall('HSET', key, 'ren', num(now), 'lease', num(lease))
rcall('HINCRBY', key, 'ver', 1)
return rcall('HGETALL', key)
