-- upsertSchedule: inserts a schedule or replaces its definition; createdAtMs, lastFireAtMs, the
-- counters and any lease are kept.
-- KEYS[1]  {p}:meta (routing)
-- ARGV[1]  key base `{p}:`          ARGV[2]  instance id (for the signal)
-- ARGV[3]  nowMs                    ARGV[4]  id
-- ARGV[5]  task                     ARGV[6]  data (JSON)
-- ARGV[7]  trigger (JSON)           ARGV[8]  priority
-- ARGV[9]  maxRunning ('' = null)   ARGV[10] misfireGraceMs ('' = null)
-- ARGV[11] coalesce                 ARGV[12] paused ('1' / '0' / '' = keep the stored flag)
-- ARGV[13] nextFireAtMs ('' = null)  ARGV[14] '1': keep the stored nextFireAtMs when the stored
--                                    trigger is this same JSON (ScheduleWrite.keepNextFire)
-- Touches: s:<id>, schedules, sdue, slease; publishes on `signals`.
-- Returns the stored record (flat HGETALL).
local base, now, id = ARGV[1], tonumber(ARGV[3]), ARGV[4]
local key = base .. 's:' .. id
local stored = hmap(key)
local s = stored or { cat = num(now), lt = '0', fired = '0', skip = '0', miss = '0' }
local keepNext = ARGV[14] == '1' and stored ~= nil and stored.trig == ARGV[7]
s.task = ARGV[5]
s.data = ARGV[6]
s.trig = ARGV[7]
s.pri = ARGV[8]
s.maxr = ARGV[9] ~= '' and ARGV[9] or nil
s.grace = ARGV[10] ~= '' and ARGV[10] or nil
s.coal = ARGV[11]
if ARGV[12] ~= '' then s.paused = ARGV[12] == '1' and '1' or nil end
if not keepNext then s.next = ARGV[13] ~= '' and ARGV[13] or nil end
s.uat = num(now)
hwrite(key, s, { 'task', 'data', 'trig', 'pri', 'maxr', 'grace', 'coal', 'paused', 'next', 'uat', 'cat', 'lt', 'fired', 'skip', 'miss' })
rcall('ZADD', base .. 'schedules', 0, id)
reindex_schedule(base, id, s, now)
signal(base, ARGV[2], 'schedules')
return rcall('HGETALL', key)
