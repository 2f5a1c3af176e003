-- nextWakeAtMs: the earliest of a due schedule's nextFireAtMs, a leased schedule's lease expiry,
-- a claimable job's runAtMs (first of each priority level) and a running job's lease expiry.
-- Reads only.
-- KEYS[1]  {p}:meta (routing)
-- ARGV[1]  key base `{p}:`
-- Reads: sdue, slease, qtasks, qprio:<task>, q:<task>:<priority>, jlease.
-- Returns the instant as a string, or nil.
local base = ARGV[1]
local best = nil
local function consider(key)
  local first = rcall('ZRANGE', key, 0, 0, 'WITHSCORES')
  if first[2] ~= nil then
    local score = tonumber(first[2])
    if best == nil or score < best then best = score end
  end
end
consider(base .. 'sdue')
consider(base .. 'slease')
consider(base .. 'jlease')
for _, task in ipairs(rcall('ZRANGE', base .. 'qtasks', 0, -1)) do
  for _, pri in ipairs(rcall('ZRANGE', base .. 'qprio:' .. task, 0, -1)) do consider(queue_key(base, task, pri)) end
end
if best == nil then return nil end
return num(best)
