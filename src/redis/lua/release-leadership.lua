-- releaseLeadership: the holder, under its own term, gives leadership up: the holder goes, the
-- term stays (the next acquisition takes term + 1, at once, without waiting out a lease).
-- KEYS[1]  {p}:meta (routing)
-- ARGV[1]  key base `{p}:`     ARGV[2]  name     ARGV[3]  nodeId     ARGV[4]  term
-- Touches: l:<name>.
-- Returns 1 when released, else 0 (nothing changed).
local base, name, node, term = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local key = base .. 'l:' .. name
local f = rcall('HMGET', key, 'holder', 'term')
if f[1] ~= node or tonumber(f[2]) ~= term then return 0 end
rcall('HDEL', key, 'holder')
rcall('HINCRBY', key, 'ver', 1)
return 1
