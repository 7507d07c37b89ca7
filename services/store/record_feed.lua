-- Count what one facility sent, and read back what judging its feed needs. All keys are the facility's.
--
-- KEYS[1] the feed hash   KEYS[2] its entries by time   KEYS[3] its releases by time
-- ARGV[1] now (ms)   ARGV[2] history (ms)   ARGV[3] surge window (ms)   ARGV[4] n, the entries that follow
-- ARGV[5 ..]   n pairs (time ms, stream entry id) of entries, then pairs (time ms, member) of releases
--
-- Adding is idempotent (a member per entry and per release), so a redelivered batch counts once.
-- Returns nil for a facility that never sent anything (and nothing was added), else
-- {first_seen_ms, last_sent_ms, entries in history, entries in the last 24 h, releases in the window,
--  releases in the history before the window, the hold JSON or false, the operator's decision on it or false,
--  the last decision carried out or false, the health last judged or false}.
local now, history, window, n = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local first, last = nil, nil
for i = 5, 4 + 2 * n, 2 do
  local at = tonumber(ARGV[i])
  redis.call('ZADD', KEYS[2], at, ARGV[i + 1])
  if first == nil or at < first then first = at end
  if last == nil or at > last then last = at end
end
for i = 5 + 2 * n, #ARGV, 2 do
  redis.call('ZADD', KEYS[3], tonumber(ARGV[i]), ARGV[i + 1])
end
if first ~= nil then
  local kept = redis.call('HMGET', KEYS[1], 'first_seen_ms', 'last_sent_ms')
  if not kept[1] or tonumber(kept[1]) > first then redis.call('HSET', KEYS[1], 'first_seen_ms', first) end
  if not kept[2] or tonumber(kept[2]) < last then redis.call('HSET', KEYS[1], 'last_sent_ms', last) end
end
local state = redis.call('HMGET', KEYS[1], 'first_seen_ms', 'last_sent_ms', 'hold', 'hold_decision', 'last_hold_decision',
  'health')
if not state[1] then
  return nil
end
local oldest = now - history
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', oldest)
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', oldest)
return {
  tonumber(state[1]),
  tonumber(state[2]),
  redis.call('ZCOUNT', KEYS[2], '(' .. oldest, '+inf'),
  redis.call('ZCOUNT', KEYS[2], '(' .. (now - 86400000), '+inf'),
  redis.call('ZCOUNT', KEYS[3], '(' .. (now - window), '+inf'),
  redis.call('ZCOUNT', KEYS[3], '(' .. oldest, now - window),
  state[3] or false,
  state[4] or false,
  state[5] or false,
  state[6] or false,
}
