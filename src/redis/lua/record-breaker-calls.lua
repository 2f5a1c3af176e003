-- recordBreakerCalls: adds attempts' outcomes to their tasks' call buckets, then deletes those
-- tasks' buckets that start before pruneBeforeMs (they left every window). Atomic per call.
-- KEYS[1]  {p}:meta (routing)
-- ARGV[1]  key base `{p}:`     ARGV[2]  bucket start (floor(nowMs / bucketMs) * bucketMs)
-- ARGV[3]  pruneBeforeMs
-- ARGV[4..] triples of (task, succeeded, failed)
-- Touches: brc:<task>.
-- Returns the number of buckets deleted.
local base, bucket, pruneBefore = ARGV[1], ARGV[2], tonumber(ARGV[3])
local tasks = {}
for i = 4, #ARGV, 3 do
  local key = base .. 'brc:' .. ARGV[i]
  local succeeded, failed = tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
  if succeeded ~= 0 then rcall('HINCRBY', key, bucket .. ':s', succeeded) end
  if failed ~= 0 then rcall('HINCRBY', key, bucket .. ':f', failed) end
  tasks[ARGV[i]] = true
end
local pruned = 0
for task in pairs(tasks) do
  local key = base .. 'brc:' .. task
  local stale = {}
  for _, field in ipairs(rcall('HKEYS', key)) do
    local start = tonumber(string.match(field, '^(.*):[sf]$'))
    -- A field that is not a bucket (written by hand) is no one's: it goes too.
    if start == nil or start < pruneBefore then stale[#stale + 1] = field end
  end
  for from = 1, #stale, chunk do
    pruned = pruned + rcall('HDEL', key, unpack(stale, from, math.min(from + chunk - 1, #stale)))
  end
end
return pruned
