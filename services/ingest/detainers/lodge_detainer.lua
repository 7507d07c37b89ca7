-- Lodge a detainer once: record, active set, listings and changelog together.
--
-- KEYS[1] the record under the new reference (OFFICE/ID)
-- KEYS[2] the record a detainer lodged when ids were global keeps, under its id alone
-- KEYS[3] the active set             KEYS[4] the detainer changelog
-- KEYS[5..8] the four listings it joins
-- KEYS[9] the changelog's counter (each entry carries its number as `seq`)
-- KEYS[10] the offices that lodged this id
-- ARGV[1] detainer_id  ARGV[2] field_office  ARGV[3] the new reference
-- ARGV[4] record JSON  ARGV[5] listing score (ms)  ARGV[6] change JSON
--
-- Returns {1, changelog id, reference} when lodged now, {0, existing record,
-- reference} when the office already lodged this id (the caller decides
-- whether that is a retry). Another office's detainer of the same id is
-- another detainer: it is neither read nor touched.
local existing = redis.call('GET', KEYS[1])
if existing then
  return {0, existing, ARGV[3]}
end
local former = redis.call('GET', KEYS[2])
if former then
  local ok, decoded = pcall(cjson.decode, former)
  if ok and type(decoded) == 'table' and decoded['field_office'] == ARGV[2] then
    return {0, former, ARGV[1]}
  end
end
local ref = ARGV[3]
redis.call('SET', KEYS[1], ARGV[4])
redis.call('SADD', KEYS[3], ref)
for i = 5, 8 do
  redis.call('ZADD', KEYS[i], ARGV[5], ref)
end
redis.call('SADD', KEYS[10], ARGV[2])
local seq = redis.call('INCR', KEYS[9])
local id = redis.call(
  'XADD', KEYS[4], '*', '__data__', ARGV[6], 'type', 'detainer_lodged', 'detainer_id', ARGV[1],
  'detainer_ref', ref, 'seq', seq)
return {1, id, ref}
