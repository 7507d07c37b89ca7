-- Lift a detainer if it is still exactly as the caller read it (compare and swap).
--
-- KEYS[1] the detainer record        KEYS[2] the active set
-- KEYS[3] the detainer changelog
-- KEYS[4..5] the listings it leaves (status active)  KEYS[6..7] the listings it joins (status lifted)
-- KEYS[8] the changelog's counter (each entry carries its number as `seq`)
-- KEYS[9..10] the lifted-by-time indexes (all offices', its office's), when given
-- ARGV[1] the detainer's reference (member of the set and listings)  ARGV[2] record as read
-- ARGV[3] lifted record  ARGV[4] score (ms)  ARGV[5] change JSON  ARGV[6] detainer_id
-- ARGV[7] when lifted (ms), with KEYS[9..10]
--
-- Returns {1, changelog id} when lifted now, {0, current record} when it
-- changed since it was read (the caller reads again), {-1} when missing.
local current = redis.call('GET', KEYS[1])
if not current then
  return {-1}
end
if current ~= ARGV[2] then
  return {0, current}
end
redis.call('SET', KEYS[1], ARGV[3])
redis.call('SREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('ZREM', KEYS[5], ARGV[1])
redis.call('ZADD', KEYS[6], ARGV[4], ARGV[1])
redis.call('ZADD', KEYS[7], ARGV[4], ARGV[1])
if KEYS[10] then
  redis.call('ZADD', KEYS[9], ARGV[7], ARGV[1])
  redis.call('ZADD', KEYS[10], ARGV[7], ARGV[1])
end
local seq = redis.call('INCR', KEYS[8])
local id = redis.call(
  'XADD', KEYS[3], '*', '__data__', ARGV[5], 'type', 'detainer_lifted', 'detainer_id', ARGV[6],
  'detainer_ref', ARGV[1], 'seq', seq)
return {1, id}
