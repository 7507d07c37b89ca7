-- Publish custody events exactly once each, atomically with their receipts.
--
-- KEYS[1]          the custody event stream
-- KEYS[2i], KEYS[2i+1]  for the i-th event: its receipt (by facility and event_id), and the receipt
--                  the former layout kept by event_id alone (read only: it expires with its TTL)
-- ARGV[1]          receipt time-to-live, seconds
-- ARGV[2]          accepted_at (RFC 3339) for events accepted by this call
-- ARGV[3..]        four values per event: event_id, type, digest, payload
--
-- Returns one {status, stream_id, accepted_at} per event, in order, where
-- status is "accepted" (appended now), "duplicate" (the same body was
-- accepted before: nothing appended) or "conflict" (another body was
-- accepted under this facility's event_id: nothing appended).
--
-- A former receipt with the same digest is this very event (the digest covers
-- facility_ori); one with another digest may be another facility's event of
-- the same id, which must never block this one: the event is accepted.
local ttl = tonumber(ARGV[1])
local accepted_at = ARGV[2]
local results = {}
local events = (#KEYS - 1) / 2
for i = 1, events do
  local receipt_key, former_key = KEYS[2 * i], KEYS[2 * i + 1]
  local base = 3 + (i - 1) * 4
  local event_id, event_type, digest, payload = ARGV[base], ARGV[base + 1], ARGV[base + 2], ARGV[base + 3]
  local receipt = redis.call('HMGET', receipt_key, 'digest', 'stream_id', 'accepted_at')
  local former = redis.call('HMGET', former_key, 'digest', 'stream_id', 'accepted_at')
  if receipt[1] then
    local status = 'conflict'
    if receipt[1] == digest then status = 'duplicate' end
    results[#results + 1] = {status, receipt[2], receipt[3]}
  elseif former[1] == digest then
    results[#results + 1] = {'duplicate', former[2], former[3]}
  else
    local id = redis.call('XADD', KEYS[1], '*', '__data__', payload, 'type', event_type, 'event_id', event_id)
    redis.call('HSET', receipt_key, 'digest', digest, 'stream_id', id, 'accepted_at', accepted_at)
    redis.call('EXPIRE', receipt_key, ttl)
    results[#results + 1] = {'accepted', id, accepted_at}
  end
end
return results
