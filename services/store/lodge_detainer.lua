-- Lodge detainers, each once: record, active set, listings and changelog together. One call takes one
-- detainer or many (a batch's chunk): each is decided and written on its own, in order, so an id given twice
-- in one call is lodged by the first and answered to the second as already lodged.
--
-- For the i-th detainer, KEYS[10(i-1)+k] and ARGV[6(i-1)+k]:
-- k=1 the record under the new reference (OFFICE/ID)
-- k=2 the record a detainer lodged when ids were global keeps, under its id alone
-- k=3 the active set             k=4 the detainer changelog
-- k=5..8 the four listings it joins
-- k=9 the changelog's counter (each entry carries its number as `seq`)
-- k=10 the offices that lodged this id
-- ARGV: k=1 detainer_id  k=2 field_office  k=3 the new reference
--       k=4 record JSON  k=5 listing score (ms)  k=6 change JSON
--
-- Returns one answer per detainer, in order: {1, changelog id, reference} when lodged now, {0, existing
-- record, reference} when the office already lodged this id (the caller decides whether that is a retry).
-- Another office's detainer of the same id is another detainer: it is neither read nor touched.
local answers = {}
for i = 1, #KEYS / 10 do
  local k, a = (i - 1) * 10, (i - 1) * 6
  local detainer_id, office, ref = ARGV[a + 1], ARGV[a + 2], ARGV[a + 3]
  local existing = redis.call('GET', KEYS[k + 1])
  local former = nil
  if not existing then
    local raw = redis.call('GET', KEYS[k + 2])
    if raw then
      local ok, decoded = pcall(cjson.decode, raw)
      if ok and type(decoded) == 'table' and decoded['field_office'] == office then
        former = raw
      end
    end
  end
  if existing then
    answers[i] = {0, existing, ref}
  elseif former then
    answers[i] = {0, former, detainer_id}
  else
    redis.call('SET', KEYS[k + 1], ARGV[a + 4])
    redis.call('SADD', KEYS[k + 3], ref)
    for j = 5, 8 do
      redis.call('ZADD', KEYS[k + j], ARGV[a + 5], ref)
    end
    redis.call('SADD', KEYS[k + 10], office)
    local seq = redis.call('INCR', KEYS[k + 9])
    local id = redis.call(
      'XADD', KEYS[k + 4], '*', '__data__', ARGV[a + 6], 'type', 'detainer_lodged', 'detainer_id', detainer_id,
      'detainer_ref', ref, 'seq', seq)
    answers[i] = {1, id, ref}
  end
end
return answers
