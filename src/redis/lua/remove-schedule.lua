-- removeSchedule: deletes a schedule, with its reserved jobs not due yet (runAtMs > nowMs); its
-- other jobs, with their fire entries, stay.
-- KEYS[1]  {p}:meta (routing)
-- ARGV[1]  key base `{p}:`     ARGV[2]  id     ARGV[3]  nowMs
-- Touches: s:<id>, schedules, sdue, slease, sres:<id> and the reserved jobs it deletes.
-- Returns 1 when it existed, else 0.
local base, id = ARGV[1], ARGV[2]
if rcall('EXISTS', base .. 's:' .. id) == 0 then return 0 end
drop_reservations(base, id, tonumber(ARGV[3]))
return delete_schedule(base, id)
