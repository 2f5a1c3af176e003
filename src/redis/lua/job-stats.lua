-- jobStats: jobs per status now, and final outcomes per bucket. Reads only.
-- KEYS[1]  {p}:meta (routing)
-- ARGV[1]  key base `{p}:`     ARGV[2]  first bucket start     ARGV[3]  last bucket start
-- ARGV[4]  bucketMs
-- Reads: counts, done:succeeded, done:dead, done:cancelled.
-- Returns { flat counts hash, {succeeded, dead, cancelled per bucket, flattened} }.
local base, first, last, width = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local buckets = {}
local start = first
while start <= last do
  local stop = '(' .. num(start + width)
  buckets[#buckets + 1] = rcall('ZCOUNT', base .. 'done:succeeded', num(start), stop)
  buckets[#buckets + 1] = rcall('ZCOUNT', base .. 'done:dead', num(start), stop)
  buckets[#buckets + 1] = rcall('ZCOUNT', base .. 'done:cancelled', num(start), stop)
  start = start + width
end
return { rcall('HGETALL', base .. 'counts'), buckets }
