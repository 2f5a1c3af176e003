-- removeSchedule: deletes a schedule (its jobs, and its fire and active-job entries, stay).
-- KEYS[1]  {p}:meta (routing)
-- ARGV[1]  key base `{p}:`     ARGV[2]  id
-- Touches: s:<id>, schedules, sdue, slease.
-- Returns 1 when it existed, else 0.
return delete_schedule(ARGV[1], ARGV[2])
