-- Lift a detainer if it is still exactly as the caller read it (compare and swap).
--
-- KEYS[1] the detainer record        KEYS[2] the active set
-- KEYS[3] the detainer changelog
-- KEYS[4..5] the listings it leaves (status active)  KEYS[6..7] the listings it joins (status lifted)
-- KEYS[8] the changelog's counter (each entry carries its number as `seq`)
-- ARGV[1] the detainer's reference (member of the set and listings)  ARGV[2] record as read
-- ARGV[3] lifted record  ARGV[4] score (ms)  ARGV[5] change JSON  ARGV[6] detainer_id
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
local seq = redis.call('INCR', KEYS[8])
local id = redis.call(
  'XADD', KEYS[3], '*', '__data__', ARGV[5], 'type', 'detainer_lifted', 'detainer_id', ARGV[6],
  'detainer_ref', ARGV[1], 'seq', seq)
return {1, id}
