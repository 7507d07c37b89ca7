-- Record that one alert stream entry reached its office by one channel (webhook, e-mail), once: the alert's
-- timeline gains its `delivered` step (compare and swap on the record) and the entry is marked delivered in the
-- channel's set, together.
--
-- KEYS[1] the alert record   KEYS[2] the delivered entries (sorted set by entry time)   KEYS[3] the alert stream
-- ARGV[1] stream entry id   ARGV[2] its time (ms)   ARGV[3] the record as read ('' if missing)
-- ARGV[4] the record with the step appended
--
-- Returns 1 recorded now, 2 recorded before (nothing changed), 0 the record changed since it was read
-- (the caller reads again), -1 no alert record (the entry is marked; there is no timeline to extend).
if redis.call('ZSCORE', KEYS[2], ARGV[1]) then
  return 2
end
local current = redis.call('GET', KEYS[1])
local reply = 1
if not current then
  reply = -1
elseif current ~= ARGV[3] then
  return 0
else
  redis.call('SET', KEYS[1], ARGV[4])
end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
-- Markers of entries older than the stream's first one can go: those entries were trimmed and never come
-- back (a replayed dead letter is a new entry with a new id).
local first = redis.call('XRANGE', KEYS[3], '-', '+', 'COUNT', 1)
if first[1] then
  local first_ms = tonumber(string.match(first[1][1], '^(%d+)'))
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. first_ms)
end
return reply
