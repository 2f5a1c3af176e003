-- readBreakers: the breaker records of the given tasks (or of every task that has one), each with
-- the calls counted in its buckets starting at or after sinceMs. Reads only.
-- KEYS[1]  {p}:meta (routing)
-- ARGV[1]  key base `{p}:`     ARGV[2]  sinceMs     ARGV[3]  '1' = every record, '0' = these:
-- ARGV[4..] task names
-- Reads: breakers, br:<task>, brc:<task>.
-- Returns { {task, flat record, succeeded, failed}, ... } for the tasks that have a record.
local base, since = ARGV[1], tonumber(ARGV[2])
local tasks = {}
if ARGV[3] == '1' then
  tasks = rcall('ZRANGE', base .. 'breakers', 0, -1)
else
  for t = 4, #ARGV do tasks[#tasks + 1] = ARGV[t] end
end
local out = {}
for _, task in ipairs(tasks) do
  local flat = rcall('HGETALL', base .. 'br:' .. task)
  if #flat > 0 then
    local succeeded, failed = 0, 0
    local calls = rcall('HGETALL', base .. 'brc:' .. task)
    for i = 1, #calls, 2 do
      -- Fields are '<bucketStartMs>:s' (succeeded) and '<bucketStartMs>:f' (failed).
      local start, kind = string.match(calls[i], '^(.*):([sf])$')
      local n = tonumber(calls[i + 1])
      if start ~= nil and tonumber(start) ~= nil and tonumber(start) >= since and n ~= nil then
        if kind == 's' then succeeded = succeeded + n else failed = failed + n end
      end
    end
    out[#out + 1] = { task, flat, succeeded, failed }
  end
end
return out
