-- migrateActive (schema 2 → 3): puts the given jobs that belong to a schedule and are active
-- (queued, failed, running) in their schedule's set `sa:<scheduleId>`, which replaces the
-- per-schedule counters of schema 2 (`sactive`). Idempotent.
-- KEYS[1]  {p}:meta (routing)
-- ARGV[1]  key base `{p}:`     ARGV[2..] job ids
-- Touches: j:<id> (read), sa:<scheduleId>.
-- Returns how many were added.
local base = ARGV[1]
local added = 0
for i = 2, #ARGV do
  local f = rcall('HMGET', base .. 'j:' .. ARGV[i], 'sid', 'st')
  if f[1] and f[2] and is_active(f[2]) then added = added + rcall('SADD', base .. 'sa:' .. f[1], ARGV[i]) end
end
return added
