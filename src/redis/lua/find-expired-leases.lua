-- findExpiredLeases: running and reserved jobs whose lease expired (leaseExpiresAtMs <= nowMs),
-- oldest expiry first. Reads only.
-- KEYS[1]  {p}:meta (routing)
-- ARGV[1]  key base `{p}:`     ARGV[2]  nowMs     ARGV[3]  limit
-- Reads: jlease, j:<id>.
-- Returns { {job id, flat job}, ... }.
local base, now, limit = ARGV[1], ARGV[2], tonumber(ARGV[3])
local out = {}
if limit <= 0 then return out end
local ids = rcall('ZRANGEBYSCORE', base .. 'jlease', '-inf', now, 'LIMIT', 0, limit)
for _, id in ipairs(ids) do
  local j, flat = hmap(base .. 'j:' .. id)
  if j ~= nil and is_leased(j.st) then out[#out + 1] = { id, flat } end
end
return out
