-- upsertSchedule(s): inserts schedules or replaces their definitions, in order; createdAtMs,
-- lastFireAtMs, the counters and any lease are kept. When a stored definition changes (task,
-- data, trigger, priority, maxRunning, misfireGraceMs, coalesce), its reserved jobs not due yet
-- are deleted (firedCount down by as many) and a kept next fire moves back to the earliest.
-- KEYS[1]  {p}:meta (routing)
-- ARGV[1]  key base `{p}:`          ARGV[2]  instance id (for the signal)
-- then 15 per write:
--   nowMs, id, task, data (JSON), trigger (JSON), priority, maxRunning ('' = null),
--   misfireGraceMs ('' = null), coalesce, paused ('1' / '0' / '' = keep the stored flag),
--   nextFireAtMs ('' = null), '1': keep the stored nextFireAtMs when the stored trigger is this
--   same JSON (ScheduleWrite.keepNextFire), traceContext ('' = none: every write replaces the
--   stored `tc`, so a write without one clears it; not part of the definition), catchUpLimit
--   (stored as `cul`; not part of the definition either: changing it alone keeps the reservations),
--   overlap policy (stored as `ovl`; not part of the definition either)
-- Touches: s:<id>, schedules, sdue, slease, sres:<id> and the reserved jobs it deletes;
-- publishes on `signals`.
-- Returns the stored records (flat HGETALL each), in order.
local base = ARGV[1]
local definition = { 'task', 'data', 'trig', 'pri', 'maxr', 'grace', 'coal' }
local out = {}
for i = 3, #ARGV, 15 do
  local now, id = tonumber(ARGV[i]), ARGV[i + 1]
  local key = base .. 's:' .. id
  local stored = hmap(key)
  local s = stored or { cat = num(now), lt = '0', fired = '0', skip = '0', miss = '0' }
  local before = {}
  if stored ~= nil then for _, name in ipairs(definition) do before[name] = stored[name] end end
  local keepNext = ARGV[i + 11] == '1' and stored ~= nil and stored.trig == ARGV[i + 4]
  s.task = ARGV[i + 2]
  s.data = ARGV[i + 3]
  s.trig = ARGV[i + 4]
  s.pri = ARGV[i + 5]
  s.maxr = ARGV[i + 6] ~= '' and ARGV[i + 6] or nil
  s.grace = ARGV[i + 7] ~= '' and ARGV[i + 7] or nil
  s.coal = ARGV[i + 8]
  if ARGV[i + 9] ~= '' then s.paused = ARGV[i + 9] == '1' and '1' or nil end
  if not keepNext then s.next = ARGV[i + 10] ~= '' and ARGV[i + 10] or nil end
  s.tc = ARGV[i + 12] ~= '' and ARGV[i + 12] or nil
  s.cul = ARGV[i + 13]
  s.ovl = ARGV[i + 14]
  s.uat = num(now)
  if stored ~= nil then
    local changed = false
    for _, name in ipairs(definition) do
      if before[name] ~= s[name] then changed = true end
    end
    -- Reservations not due yet would run the old definition: planned again under the new one.
    if changed then drop_schedule_reservations(base, id, s, now, keepNext) end
  end
  hwrite(key, s, { 'task', 'data', 'trig', 'pri', 'maxr', 'grace', 'coal', 'paused', 'next', 'uat', 'cat', 'lt', 'fired', 'skip', 'miss', 'tc', 'cul', 'ovl' })
  rcall('ZADD', base .. 'schedules', 0, id)
  reindex_schedule(base, id, s, now)
  out[#out + 1] = rcall('HGETALL', key)
end
signal(base, ARGV[2], 'schedules')
return out
