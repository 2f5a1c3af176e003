-- takeRateTokens: GCRA buckets, each request applied in order, with the arithmetic of
-- TakeRateTokensRequest (src/store/gate-types.ts) in doubles, as every store does it. A bucket is
-- a string `rt:<key>` holding its tat; a missing key, or one whose tat <= nowMs, is tat = nowMs.
-- A tat stored expires a second (for clock skew between nodes) after it is reached, so idle
-- buckets go away.
-- KEYS[1]  {p}:meta (routing)
-- ARGV[1]  key base `{p}:`
-- ARGV[2..] 5 per request: key, nowMs, intervalMs, burst, want (numbers as JavaScript prints them)
-- Touches: rt:<key>.
-- Returns { {granted, retryAtMs as text (it may be fractional)}, ... } in order.
local base = ARGV[1]
local skewMs = 1000
local out = {}
for i = 2, #ARGV, 5 do
  local key = base .. 'rt:' .. ARGV[i]
  local now, interval, burst, want = tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3]), tonumber(ARGV[i + 4])
  -- Unreadable text (a hand edit) counts as no bucket.
  local tat = tonumber(rcall('GET', key))
  if tat == nil or tat <= now then tat = now end
  local granted = 0
  local changed = false
  if want > 0 then
    local available = math.floor((now + burst * interval - tat) / interval)
    if available < 0 then available = 0 end
    granted = math.min(want, available)
    tat = tat + granted * interval
    changed = true
  elseif want < 0 then
    tat = math.max(now, tat + want * interval)
    changed = true
  end
  -- Stored even when it is nowMs: a node whose clock is behind still sees it.
  if changed then rcall('SET', key, num(tat), 'PX', num(math.ceil(tat - now) + skewMs)) end
  out[#out + 1] = { granted, num(math.max(now, tat - (burst - 1) * interval)) }
end
return out
