-- Publish custody events exactly once each, atomically with their receipts.
--
-- KEYS[1]          the custody event stream
-- KEYS[2..n+1]     the receipt key of each event (same hash tag as the stream)
-- ARGV[1]          receipt time-to-live, seconds
-- ARGV[2]          accepted_at (RFC 3339) for events accepted by this call
-- ARGV[3..]        four values per event: event_id, type, digest, payload
--
-- Returns one {status, stream_id, accepted_at} per event, in order, where
-- status is "accepted" (appended now), "duplicate" (the same body was
-- accepted before: nothing appended) or "conflict" (another body was
-- accepted under this event_id: nothing appended).
local ttl = tonumber(ARGV[1])
local accepted_at = ARGV[2]
local results = {}
for i = 2, #KEYS do
  local base = 3 + (i - 2) * 4
  local event_id, event_type, digest, payload = ARGV[base], ARGV[base + 1], ARGV[base + 2], ARGV[base + 3]
  local receipt = redis.call('HMGET', KEYS[i], 'digest', 'stream_id', 'accepted_at')
  if receipt[1] then
    local status = 'conflict'
    if receipt[1] == digest then status = 'duplicate' end
    results[#results + 1] = {status, receipt[2], receipt[3]}
  else
    local id = redis.call('XADD', KEYS[1], '*', '__data__', payload, 'type', event_type, 'event_id', event_id)
    redis.call('HSET', KEYS[i], 'digest', digest, 'stream_id', id, 'accepted_at', accepted_at)
    redis.call('EXPIRE', KEYS[i], ttl)
    results[#results + 1] = {'accepted', id, accepted_at}
  end
end
return results
