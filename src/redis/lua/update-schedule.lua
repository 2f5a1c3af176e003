-- updateSchedule: sets paused and/or nextFireAtMs of an existing schedule. Pausing, or setting
-- nextFireAtMs, deletes its reserved jobs not due yet (firedCount down by as many); pausing
-- moves nextFireAtMs back to the earliest of them.
-- KEYS[1]  {p}:meta (routing)
-- ARGV[1]  key base `{p}:`     ARGV[2]  instance id     ARGV[3]  id     ARGV[4]  nowMs
-- ARGV[5]  paused: '1', '0' or '' (keep)
-- ARGV[6]  '1' to set nextFireAtMs, '0' to keep it      ARGV[7]  nextFireAtMs ('' = null)
-- Touches: s:<id>, sdue, slease, sres:<id> and the reserved jobs it deletes; publishes on `signals`.
-- Returns the updated record (flat), or an empty array when the schedule does not exist.
local base, id, now = ARGV[1], ARGV[3], tonumber(ARGV[4])
local key = base .. 's:' .. id
local s = hmap(key)
if s == nil then return {} end
if ARGV[5] == '1' or ARGV[6] == '1' then drop_schedule_reservations(base, id, s, now, ARGV[5] == '1') end
if ARGV[5] ~= '' then s.paused = ARGV[5] == '1' and '1' or nil end
if ARGV[6] == '1' then s.next = ARGV[7] ~= '' and ARGV[7] or nil end
s.uat = num(now)
hwrite(key, s, { 'paused', 'next', 'uat', 'fired' })
reindex_schedule(base, id, s, now)
signal(base, ARGV[2], 'schedules')
return rcall('HGETALL', key)
