-- Publish custody events exactly once each, atomically with their receipts, and only while the
-- backlog leaves room for them.
--
-- KEYS[1]          the custody event stream
-- KEYS[3i-1], KEYS[3i], KEYS[3i+1]  for the i-th event: its receipt (a string by facility and event_id,
--                  "<digest> <stream_id> <accepted_at>"), the receipt as kept before receipts were strings
--                  (a hash by facility and event_id), and the receipt kept when ids were global (a hash by
--                  event_id alone); the last two are read only, until their TTL ends
-- ARGV[1]          receipt time-to-live, seconds
-- ARGV[2]          accepted_at for events accepted by this call (no spaces: microseconds since the epoch)
-- ARGV[3]          the most events that may wait unprocessed (0: no limit)
-- ARGV[4]          the consumer group whose backlog that is
-- ARGV[5..]        five values per event: event_id, type, digest (a receipt of a former layout kept a
--                  longer one: its prefix is compared), payload, and the sharing policy's mark
--                  published beside it ("" for none: no `policy` field)
--
-- Returns one {status, stream_id, accepted_at} per event, in order, where
-- status is "accepted" (appended now), "duplicate" (the same body was
-- accepted before: nothing appended) or "conflict" (another body was
-- accepted under this facility's event_id: nothing appended); or
-- {"backlog_full", backlog} when appending the new ones would take the
-- backlog over the limit: then nothing at all is appended. Measuring and
-- appending in one script, concurrent requests can never overshoot the limit.
--
-- A former receipt with the same digest is this very event (the digest covers
-- facility_ori); one with another digest may be another facility's event of
-- the same id, which must never block this one: the event is accepted.
local ttl = tonumber(ARGV[1])
local accepted_at = ARGV[2]
local limit = tonumber(ARGV[3])
local events = (#KEYS - 1) / 3
local stride = 5

-- {digest, stream_id, accepted_at} of the i-th event's receipt, or nil; the second value is true for a
-- receipt kept when ids were global.
local function receipt_of(i)
  local kept = redis.call('GET', KEYS[3 * i - 1])
  if kept then
    local digest, stream_id, at = string.match(kept, '^(%S+) (%S+) (%S+)$')
    return {digest, stream_id, at}, false
  end
  local former = redis.call('HMGET', KEYS[3 * i], 'digest', 'stream_id', 'accepted_at')
  if former[1] then
    return former, false
  end
  local global = redis.call('HMGET', KEYS[3 * i + 1], 'digest', 'stream_id', 'accepted_at')
  if global[1] then
    return global, true
  end
  return nil, false
end

local function same(stored, digest)
  return string.sub(stored, 1, #digest) == digest
end

-- The group's lag (not yet delivered) and pending (delivered, not acknowledged); the whole
-- stream where no notifier has made the group yet. Where Redis cannot tell the lag (entries
-- deleted from the middle of the stream), the entries after the group's last delivered one are
-- counted, up to one more than `room` (enough to decide; never the stream's length, which
-- counts what the group read long ago).
local function backlog(room)
  local ok, groups = pcall(redis.call, 'XINFO', 'GROUPS', KEYS[1])
  if not ok then
    return 0 -- no stream yet: nothing waits
  end
  for _, group in ipairs(groups) do
    local fields = {}
    for j = 1, #group, 2 do
      fields[group[j]] = group[j + 1]
    end
    if fields['name'] == ARGV[4] then
      local pending = tonumber(fields['pending'])
      if fields['lag'] then
        return tonumber(fields['lag']) + pending
      end
      local after = redis.call('XRANGE', KEYS[1], '(' .. fields['last-delivered-id'], '+', 'COUNT', room + 1)
      return #after + pending
    end
  end
  return redis.call('XLEN', KEYS[1])
end

local answers = {}
local new = 0
for i = 1, events do
  local base = 5 + (i - 1) * stride
  local digest = ARGV[base + 2]
  local receipt, global = receipt_of(i)
  if receipt and not global then
    local status = 'conflict'
    if same(receipt[1], digest) then status = 'duplicate' end
    answers[i] = {status, receipt[2], receipt[3]}
  elseif receipt and same(receipt[1], digest) then
    answers[i] = {'duplicate', receipt[2], receipt[3]}
  else
    new = new + 1
  end
end

if new > 0 and limit > 0 then
  local waiting = backlog(limit)
  if waiting + new > limit then
    return {'backlog_full', waiting}
  end
end

local results = {}
for i = 1, events do
  if answers[i] then
    results[i] = answers[i]
  else
    local base = 5 + (i - 1) * stride
    local event_id, event_type, digest, payload = ARGV[base], ARGV[base + 1], ARGV[base + 2], ARGV[base + 3]
    local mark = ARGV[base + 4]
    -- An earlier event of this very call under the same id wrote its receipt just now.
    local receipt = redis.call('GET', KEYS[3 * i - 1])
    if receipt then
      local stored, stream_id, at = string.match(receipt, '^(%S+) (%S+) (%S+)$')
      local status = 'conflict'
      if same(stored, digest) then status = 'duplicate' end
      results[i] = {status, stream_id, at}
    else
      local id
      if mark == '' then
        id = redis.call('XADD', KEYS[1], '*', '__data__', payload, 'type', event_type, 'event_id', event_id)
      else
        id = redis.call(
          'XADD', KEYS[1], '*', '__data__', payload, 'type', event_type, 'event_id', event_id, 'policy', mark
        )
      end
      redis.call('SET', KEYS[3 * i - 1], digest .. ' ' .. id .. ' ' .. accepted_at, 'EX', ttl)
      results[i] = {'accepted', id, accepted_at}
    end
  end
end
return results
