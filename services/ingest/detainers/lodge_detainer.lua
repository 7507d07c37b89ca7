-- Lodge a detainer once: record, active set, listings and changelog together.
--
-- KEYS[1] the detainer record        KEYS[2] the active set
-- KEYS[3] the detainer changelog     KEYS[4..7] the four listings it joins
-- KEYS[8] the changelog's counter (each entry carries its number as `seq`)
-- ARGV[1] detainer_id  ARGV[2] record JSON  ARGV[3] listing score (ms)  ARGV[4] change JSON
--
-- Returns {1, changelog id} when lodged now, {0, existing record} when the
-- id was already taken (the caller decides whether that is a retry).
local existing = redis.call('GET', KEYS[1])
if existing then
  return {0, existing}
end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('SADD', KEYS[2], ARGV[1])
for i = 4, 7 do
  redis.call('ZADD', KEYS[i], ARGV[3], ARGV[1])
end
local seq = redis.call('INCR', KEYS[8])
local id = redis.call(
  'XADD', KEYS[3], '*', '__data__', ARGV[4], 'type', 'detainer_lodged', 'detainer_id', ARGV[1], 'seq', seq)
return {1, id}
