-- claimJobs: claims up to `limit` queued/failed jobs of the given tasks with runAtMs <= nowMs,
-- priority descending, then runAtMs ascending, then creation order; each becomes running under a
-- new fencing token. Jobs of other tasks are never looked at (routing). A job whose counters
-- cannot be read is dead-lettered instead (quarantine_job in _lib.lua).
-- KEYS[1]  {p}:meta (routing)
-- ARGV[1]  key base `{p}:`     ARGV[2]  nodeId     ARGV[3]  nowMs     ARGV[4]  leaseMs
-- ARGV[5]  limit               ARGV[6..] task names
-- Touches: qprio:<task>, qtasks, q:<task>:<priority>, j:<id>, jlease, jfeed, counts.
-- Returns { {job id, flat job}, ... } in claim order.
local base, node, now, leaseMs, limit = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local out = {}
if limit <= 0 then return out end

-- The first `limit` due entries of each task (its levels highest first), then merged.
local candidates = {}
for t = 6, #ARGV do
  local task = ARGV[t]
  local taken = 0
  for _, pri in ipairs(rcall('ZREVRANGE', base .. 'qprio:' .. task, 0, -1)) do
    if taken >= limit then break end
    local entries = rcall('ZRANGEBYSCORE', queue_key(base, task, pri), '-inf', now, 'WITHSCORES', 'LIMIT', 0, limit - taken)
    for e = 1, #entries, 2 do
      candidates[#candidates + 1] = { task = task, pri = pri, prin = tonumber(pri), member = entries[e], run = tonumber(entries[e + 1]) }
      taken = taken + 1
    end
  end
end
table.sort(candidates, function(a, b)
  if a.prin ~= b.prin then return a.prin > b.prin end
  if a.run ~= b.run then return a.run < b.run end
  return a.member < b.member
end)

for c = 1, math.min(#candidates, limit) do
  local entry = candidates[c]
  local id = string.sub(entry.member, 18)
  local key = base .. 'j:' .. id
  local j = hmap(key)
  local damaged = j ~= nil and is_claimable(j.st) and unreadable_counter(j)
  if damaged then
    local queued = { st = j.st, pri = entry.pri, run = entry.run, seq = tonumber(string.sub(entry.member, 1, 16)) }
    quarantine_job(base, id, j, queued, now, damaged)
  elseif j == nil or not is_claimable(j.st) or queue_member(j, id) ~= entry.member then
    queue_remove(base, entry.task, entry.pri, entry.member) -- stale entry (data lost, or a bug elsewhere): drop it
  else
    local old = job_state(j)
    j.st = 'running'
    j.att = num(tonumber(j.att) + 1)
    j.ft = num(tonumber(j.ft) + 1)
    j.lo = node
    j.lx = num(now + leaseMs)
    j.sat = j.sat or num(now)
    j.ast = num(now)
    j.uat = num(now)
    hwrite(key, j, claim_fields)
    reindex_job(base, id, old, j)
    out[#out + 1] = { id, flatten(j) }
  end
end
return out
