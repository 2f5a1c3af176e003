-- appendEvents: appends events to the cluster event log, in order, each under the next seq, and
-- wakes the other nodes.
-- The log is a stream whose entry ids are `<seq>-0`, seq from the counter `evseq`: the script is
-- atomic, so seqs become visible in the order they are handed out (no reader can pass a seq that
-- an append in flight would fill later), and XADD itself refuses an id not above the stream's
-- last one, even after every entry was trimmed, so a seq can never be reused. A stream rather
-- than a sorted set of JSON: a range by seq is native (XRANGE), and type, node and time are
-- fields of their own, so damaged data spoils only `data`. `evat` indexes seqs by atMs for the
-- trim by age (atMs is each node's own clock, so it does not follow seq order).
-- KEYS[1]  {p}:meta (routing)
-- ARGV[1]  key base `{p}:`     ARGV[2]  instance id
-- ARGV[3..] 4 per event: type, nodeId, atMs, data JSON
-- Touches: evseq, events, evat.
-- Returns the last seq appended; publishes 'events'.
local base = ARGV[1]
local n = math.floor((#ARGV - 2) / 4)
if n <= 0 then return tonumber(rcall('GET', base .. 'evseq')) or 0 end
local last = rcall('INCRBY', base .. 'evseq', n)
local seq = last - n
for i = 3, 2 + 4 * n, 4 do
  seq = seq + 1
  local s = num(seq)
  rcall('XADD', base .. 'events', s .. '-0', 'type', ARGV[i], 'node', ARGV[i + 1], 'at', ARGV[i + 2], 'data', ARGV[i + 3])
  rcall('ZADD', base .. 'evat', ARGV[i + 2], s)
end
signal(base, ARGV[2], 'events')
return last
