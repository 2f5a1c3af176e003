-- acquireLeadership: makes the node the leader of an election when its record is absent (term 1),
-- has no holder (released), or still has the version the candidate names (a takeover: the
-- candidate saw that version unchanged for the holder's lease on its own monotonic clock). The
-- version is the only test: nowMs is recorded, never compared, since two nodes' clocks disagree.
-- KEYS[1]  {p}:meta (routing)
-- ARGV[1]  key base `{p}:`     ARGV[2]  name     ARGV[3]  nodeId     ARGV[4]  nowMs
-- ARGV[5]  leaseMs     ARGV[6]  observedVersion ('' = none seen)
-- Touches: l:<name>, leaders.
-- Returns the record after the call (flat), taken or not: the caller leads iff it is the holder.
local base, name, node, now, lease = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local observed = tonumber(ARGV[6])
local key = base .. 'l:' .. name
local r = hmap(key)
if r ~= nil and r.holder ~= nil and (observed == nil or tonumber(r.ver) ~= observed) then return rcall('HGETALL', key) end
-- The term outlives every holder (the record is never deleted), so a fencing token is never reused.
local term = (r and tonumber(r.term) or 0) + 1
local version = (r and tonumber(r.ver) or 0) + 1
rcall('HSET', key, 'holder', node, 'term', num(term), 'ver', num(version), 'acq', num(now), 'ren', num(now), 'lease', num(lease))
rcall('ZADD', base .. 'leaders', 0, name)
return rcall('HGETALL', key)
