-- writeBreaker: compare-and-set of a task's breaker: written only when the stored version equals
-- expectedVersion (0: only when no record exists; a record whose version cannot be read counts
-- as 0, so a damaged record can be overwritten). The record gets version + 1 and the given
-- fields; with clearCalls its call buckets are deleted in the same step.
-- KEYS[1]  {p}:meta (routing)
-- ARGV[1]  key base `{p}:`     ARGV[2]  task     ARGV[3]  expectedVersion     ARGV[4]  state
-- ARGV[5]  forced ('' = null)  ARGV[6]  changedAtMs     ARGV[7]  openUntilMs ('' = null)
-- ARGV[8]  probeOwner (opt_text: '' = null, '=' + the id)     ARGV[9]  probeUntilMs ('' = null)
-- ARGV[10] clearCalls ('1'/'0')
-- Touches: br:<task>, brc:<task>, breakers.
-- Returns 1 when written, 0 otherwise.
local base, task = ARGV[1], ARGV[2]
local key = base .. 'br:' .. task
local stored = 0
if rcall('EXISTS', key) == 1 then stored = tonumber(rcall('HGET', key, 'ver')) or 0 end
if stored ~= tonumber(ARGV[3]) then return 0 end
local r = {
  st = ARGV[4],
  fo = ARGV[5] ~= '' and ARGV[5] or nil,
  cat = ARGV[6],
  ou = ARGV[7] ~= '' and ARGV[7] or nil,
  po = opt_text(ARGV[8]),
  pu = ARGV[9] ~= '' and ARGV[9] or nil,
  ver = num(stored + 1),
}
hwrite(key, r, { 'st', 'fo', 'cat', 'ou', 'po', 'pu', 'ver' })
rcall('ZADD', base .. 'breakers', 0, task)
if ARGV[10] == '1' then rcall('DEL', base .. 'brc:' .. task) end
return 1
