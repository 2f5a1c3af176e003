-- acquireDueSchedules: leases up to `limit` schedules due within the look-ahead (unpaused,
-- nextFireAtMs <= nowMs + horizonMs, not leased or lease expired), earliest nextFireAtMs first,
-- then id.
-- KEYS[1]  {p}:meta (routing)
-- ARGV[1]  key base `{p}:`     ARGV[2]  nodeId     ARGV[3]  nowMs     ARGV[4]  leaseMs
-- ARGV[5]  limit               ARGV[6]  horizonMs
-- Touches: slease (expired leases go back to sdue), sdue, s:<id>, sa:<id> (read).
-- Returns { {schedule id, flat schedule, activeJobs}, ... }.
local base, node, now, leaseMs, limit = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local horizon = now + (tonumber(ARGV[6]) or 0)
if limit <= 0 then return {} end

-- Leases that expired by now make their schedules candidates again.
local expired = rcall('ZRANGEBYSCORE', base .. 'slease', '-inf', now, 'LIMIT', 0, 1000)
for _, id in ipairs(expired) do reindex_schedule(base, id, hmap(base .. 's:' .. id), now) end

local out = {}
local rounds = 0
while #out < limit and rounds < 100 do
  rounds = rounds + 1
  local ids = rcall('ZRANGEBYSCORE', base .. 'sdue', '-inf', num(horizon), 'LIMIT', 0, limit - #out)
  if #ids == 0 then break end
  for _, id in ipairs(ids) do
    local key = base .. 's:' .. id
    local s = hmap(key)
    -- Re-checked against the record: the index may be stale (nowMs went back, data lost).
    -- A field that cannot be read never fails the call: the schedule is handed out and the
    -- runtime, finding it unreadable, quarantines it (pauses it).
    if s ~= nil and s.paused ~= '1' and s.next ~= nil and (tonumber(s.next) or 0) <= horizon
      and (s.lo == nil or (tonumber(s.lx) or 0) <= now) then
      s.lo = node
      s.lx = num(now + leaseMs)
      s.lt = num((tonumber(s.lt) or 0) + 1)
      hwrite(key, s, { 'lo', 'lx', 'lt' })
      reindex_schedule(base, id, s, now)
      -- The record as read, with the lease just written: no second read.
      local flat = {}
      for field, value in pairs(s) do
        flat[#flat + 1] = field
        flat[#flat + 1] = value
      end
      out[#out + 1] = { id, flat, rcall('SCARD', base .. 'sa:' .. id) }
    elseif s == nil then
      rcall('ZREM', base .. 'sdue', id)
    else
      reindex_schedule(base, id, s, now)
      -- A record that is not due yet keeps an index entry after now: it is not read again here.
    end
  end
end
return out
