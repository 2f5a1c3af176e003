-- releaseSchedules: applies the core's decisions for leased schedules, each request atomically
-- and on its own: only under the current lease token of a still-leased schedule, creates the
-- fire jobs (a fire that has a job already is not created again) — reserved by the given node
-- when asked —, sets next/last fire, adds the counters, clears the lease, deletes the schedule
-- when `end`.
-- KEYS[1]  {p}:meta (routing)
-- ARGV[1]  key base `{p}:`     ARGV[2]  instance id
-- then per request, in order: scheduleId, leaseToken, nowMs, nextFireAtMs ('' = null),
--   lastFireAtMs ('' = null), skipped, missed, end ('1'/'0'), reserve nodeId ('' = create
--   queued), reserve leaseMs, buffered (fires created before the release, counted as fired),
--   n (jobs), then 12 arguments per job (create_job in _jobs.lua)
-- Touches: s:<id>, schedules, sdue, slease, and per created job what create_job touches.
-- Returns { {released 0/1, {created jobs, 19 values each (claimed_reply), flat}}, ... };
-- publishes when queued jobs were created.
local base = ARGV[1]
local i = 3
local out = {}
local any = false
while i <= #ARGV do
  local id, token, now = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2])
  local nextFire, lastFire, skipped, missed = ARGV[i + 3], ARGV[i + 4], ARGV[i + 5], ARGV[i + 6]
  local ending, reserveNode, reserveLease, n = ARGV[i + 7] == '1', ARGV[i + 8], tonumber(ARGV[i + 9]), tonumber(ARGV[i + 11])
  local buffered = tonumber(ARGV[i + 10])
  local jobsAt = i + 12
  i = jobsAt + 12 * n
  local key = base .. 's:' .. id
  local s = hmap(key)
  if s == nil or s.lo == nil or s.lt ~= token then
    out[#out + 1] = { 0, {} }
  else
    local reserve = nil
    if reserveNode ~= '' then reserve = { node = reserveNode, leaseMs = reserveLease, now = now } end
    local created = {}
    local fired = buffered
    for k = 0, n - 1 do
      local j, jobId = create_job(base, ARGV, jobsAt + 12 * k, reserve)
      if j ~= nil then
        fired = fired + 1
        any = any or reserve == nil
        claimed_reply(created, jobId, j)
      end
    end
    if ending then
      delete_schedule(base, id)
    else
      s.next = nextFire ~= '' and nextFire or nil
      s.last = lastFire ~= '' and lastFire or nil
      s.fired = num((tonumber(s.fired) or 0) + fired)
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
