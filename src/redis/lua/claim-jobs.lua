-- claimJobs: claims up to `limit` queued/failed jobs with runAtMs <= nowMs, priority descending,
-- then runAtMs ascending, then creation order; each becomes running under a new fencing token.
-- KEYS[1]  {p}:meta (routing)
-- ARGV[1]  key base `{p}:`     ARGV[2]  nodeId     ARGV[3]  nowMs     ARGV[4]  leaseMs
-- ARGV[5]  limit
-- Touches: qprio, q:<priority>, j:<id>, jlease, jfeed, counts.
-- Returns { {job id, flat job}, ... } in claim order.
local base, node, now, leaseMs, limit = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local out = {}
if limit <= 0 then return out end
local levels = rcall('ZREVRANGE', base .. 'qprio', 0, -1)
for _, pri in ipairs(levels) do
  if #out >= limit then break end
  local qkey = base .. 'q:' .. pri
  local members = rcall('ZRANGEBYSCORE', qkey, '-inf', now, 'LIMIT', 0, limit - #out)
  for _, member in ipairs(members) do
    local id = string.sub(member, 18)
    local key = base .. 'j:' .. id
    local j = hmap(key)
    if j == nil or not is_claimable(j.st) or queue_member(j, id) ~= member then
      queue_remove(base, pri, member) -- stale entry (data lost, or a bug elsewhere): drop it
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
end
return out
