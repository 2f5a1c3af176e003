-- listLeaders: every election's record, in one consistent read. Reads only.
-- KEYS[1]  {p}:meta (routing)
-- ARGV[1]  key base `{p}:`
-- Reads: leaders, l:<name>.
-- Returns {name, flat record} per election, by name.
local base = ARGV[1]
local out = {}
for _, name in ipairs(rcall('ZRANGE', base .. 'leaders', 0, -1)) do
  local flat = rcall('HGETALL', base .. 'l:' .. name)
  if #flat > 0 then out[#out + 1] = { name, flat } end
end
return out
