-- Change one alert after it was created (a person's review, acknowledgement or resolution; releasewatch closing
-- a release schedule), if its record is still exactly as the caller read it (compare and swap): the record (its
-- timeline included), its moves between listings, the withdrawal of its pending jobs and the messages announcing
-- it, together.
--
-- KEYS[1]                   the alert record
-- then ARGV[5] listings it leaves, ARGV[6] listings it joins, ARGV[7] streams to announce on,
-- then, when ARGV[9] (jobs to withdraw) > 0, the schedule and the jobs hash,
-- then ARGV[8] sets that hold it back (held or discarded by feed health): while it is in one, it is listed
--   nowhere and announced nowhere, so only the record (and the jobs) change.
-- ARGV[1] alert_id   ARGV[2] record as read   ARGV[3] updated record   ARGV[4] listing score (ms)
-- ARGV[5..9] the counts above, then per stream: the message JSON and its type, then the job ids.
--
-- Returns {1, the first stream entry id or false} when written now, {0} when the record changed since it was
-- read (the caller reads again), {-1} when it is missing.
local current = redis.call('GET', KEYS[1])
if not current then
  return {-1}
end
if current ~= ARGV[2] then
  return {0}
end
local leaving, joining, streams = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local holds, jobs = tonumber(ARGV[8]), tonumber(ARGV[9])
local alert_id = ARGV[1]
redis.call('SET', KEYS[1], ARGV[3])

local k = 2
local first_stream_key = k + leaving + joining
local jobs_key = first_stream_key + streams
local holds_key = jobs_key + (jobs > 0 and 2 or 0)
local held = false
for i = 0, holds - 1 do
  if redis.call('ZSCORE', KEYS[holds_key + i], alert_id) then
    held = true
  end
end

if jobs > 0 then
  local ids = {}
  for i = 1, jobs do
    ids[i] = ARGV[9 + 2 * streams + i]
  end
  redis.call('ZREM', KEYS[jobs_key], unpack(ids))
  redis.call('HDEL', KEYS[jobs_key + 1], unpack(ids))
end

local first_id = false
if not held then
  for i = 0, leaving - 1 do
    redis.call('ZREM', KEYS[k + i], alert_id)
  end
  k = k + leaving
  for i = 0, joining - 1 do
    redis.call('ZADD', KEYS[k + i], ARGV[4], alert_id)
  end
  for i = 0, streams - 1 do
    local id = redis.call(
      'XADD', KEYS[first_stream_key + i], '*',
      '__data__', ARGV[10 + 2 * i], 'type', ARGV[11 + 2 * i], 'alert_id', alert_id
    )
    if not first_id then
      first_id = id
    end
  end
end
return {1, first_id}
