-- releaseSchedules: applies the core's decisions for leased schedules, each request atomically
-- and on its own: only under the current lease token of a still-leased schedule, creates the
-- fire jobs (a fire that has a job already is not created again), sets next/last fire, adds the
-- counters, clears the lease, deletes the schedule when `end`.
-- KEYS[1]  {p}:meta (routing)
-- ARGV[1]  key base `{p}:`     ARGV[2]  instance id
-- then per request, in order: scheduleId, leaseToken, nowMs, nextFireAtMs ('' = null),
--   lastFireAtMs ('' = null), skipped, missed, end ('1'/'0'), n (jobs), then n pairs of
--   (job meta JSON without data, data JSON)
-- Touches: s:<id>, schedules, sdue, slease, and per created job what create_job touches.
-- Returns { {released 0/1, {{job id, flat job}, ...}}, ... }; publishes when jobs were created.
local base = ARGV[1]
local i = 3
local out = {}
local any = false
while i <= #ARGV do
  local id, token, now = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2])
  local nextFire, lastFire, skipped, missed = ARGV[i + 3], ARGV[i + 4], ARGV[i + 5], ARGV[i + 6]
  local ending, n = ARGV[i + 7] == '1', tonumber(ARGV[i + 8])
  local jobsAt = i + 9
  i = jobsAt + 2 * n
  local key = base .. 's:' .. id
  local s = hmap(key)
  if s == nil or s.lo == nil or s.lt ~= token then
    out[#out + 1] = { 0, {} }
  else
    local created = {}
    for k = 0, n - 1 do
      local ok, jobId, flat = create_job(base, ARGV[jobsAt + 2 * k], ARGV[jobsAt + 2 * k + 1])
      if ok then created[#created + 1] = { jobId, flat } end
    end
    if #created > 0 then any = true end
    if ending then
      delete_schedule(base, id)
    else
      s.next = nextFire ~= '' and nextFire or nil
      s.last = lastFire ~= '' and lastFire or nil
      s.fired = num((tonumber(s.fired) or 0) + #created)
      s.skip = num((tonumber(s.skip) or 0) + tonumber(skipped))
      s.miss = num((tonumber(s.miss) or 0) + tonumber(missed))
      s.lo = nil
      s.lx = nil
      s.uat = num(now)
      hwrite(key, s, { 'next', 'last', 'fired', 'skip', 'miss', 'lo', 'lx', 'uat' })
      reindex_schedule(base, id, s, now)
    end
    out[#out + 1] = { 1, created }
  end
end
if any then signal(base, ARGV[2], 'jobs') end
return out
