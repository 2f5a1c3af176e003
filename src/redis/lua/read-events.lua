-- readEvents: events with seq > afterSeq, ascending, at most `limit`, and how far the log was
-- trimmed, read together so that a reader never sees a gap without the trim that made it.
-- Reads only.
-- KEYS[1]  {p}:meta (routing)
-- ARGV[1]  key base `{p}:`     ARGV[2]  afterSeq     ARGV[3]  limit
-- Reads: events, evtrim.
-- Returns { entries as XRANGE answers them ({'<seq>-0', {field, value, …}}, …), trimmedThroughSeq or nil }.
local base, after, limit = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local entries = {}
if limit > 0 then
  local from = num(math.max(0, math.floor(after)) + 1) .. '-0'
  entries = rcall('XRANGE', base .. 'events', from, '+', 'COUNT', limit)
end
return { entries, rcall('GET', base .. 'evtrim') }
