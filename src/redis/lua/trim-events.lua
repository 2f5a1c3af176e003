-- trimEvents (one chunk): deletes up to `max` events: first the oldest beyond the newest
-- `keepLast` (counted over the whole log, as the memory store does), then those with
-- atMs < beforeMs; trimmedThroughSeq is raised to the highest seq deleted in the same step, so
-- no reader sees the gap without it. Seqs are not handed back: the counter `evseq` and the
-- stream's last id stay where they are.
-- KEYS[1]  {p}:meta (routing)
-- ARGV[1]  key base `{p}:`     ARGV[2]  beforeMs (exclusive)     ARGV[3]  keepLast ('' = no limit)
-- ARGV[4]  max
-- Touches: events, evat, evtrim.
-- Returns how many were deleted (the caller repeats while it gets `max`).
local base, before, keep, max = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local stream, byAt = base .. 'events', base .. 'evat'
local trimmed = tonumber(rcall('GET', base .. 'evtrim')) or 0
local highest, deleted = trimmed, 0

-- seqs: decimal strings, as `evat` holds them.
local function drop(seqs)
  if #seqs == 0 then return end
  local ids = {}
  for i, seq in ipairs(seqs) do
    ids[i] = seq .. '-0'
    highest = math.max(highest, tonumber(seq))
  end
  rcall('XDEL', stream, unpack(ids))
  rcall('ZREM', byAt, unpack(seqs))
  deleted = deleted + #seqs
end

if keep ~= nil then
  local excess = rcall('XLEN', stream) - math.max(0, keep)
  if excess > 0 then
    local seqs = {}
    for _, entry in ipairs(rcall('XRANGE', stream, '-', '+', 'COUNT', math.min(excess, max))) do
      seqs[#seqs + 1] = string.match(entry[1], '^%d+')
    end
    drop(seqs)
  end
end
if deleted < max then drop(rcall('ZRANGEBYSCORE', byAt, '-inf', '(' .. before, 'LIMIT', 0, max - deleted)) end
if highest > trimmed then rcall('SET', base .. 'evtrim', num(highest)) end
return deleted
