-- Lodge detainers, each once: record, active set, listings and changelog together. One call takes one
-- detainer or many (a batch's chunk): each is decided and written on its own, in order, so an id given twice
-- in one call is lodged by the first and answered to the second as already lodged.
--
-- What every detainer of the call shares comes first, then each detainer's own (three keys, three arguments):
-- KEYS[1] the active set   KEYS[2] the detainer changelog   KEYS[3] the changelog's counter (each entry carries
--         its number as `seq`)
-- KEYS[3+4(o-1)+1..4] the four listings a detainer of the o-th office of ARGV joins
-- ARGV[1] listing score (ms)   ARGV[2], ARGV[3] what a changelog entry's JSON holds before and after the record
-- ARGV[4] the number of offices n, ARGV[4+o] the o-th office (o = 1..n)
-- For the i-th detainer, KEYS[3+4n+3(i-1)+k] and ARGV[4+n+3(i-1)+k]:
--   KEYS: k=1 the record under the new reference (OFFICE/ID)
--         k=2 the record a detainer lodged when ids were global keeps, under its id alone
--         k=3 the offices that lodged this id
--   ARGV: k=1 detainer_id  k=2 field_office (one of the n)  k=3 record JSON
-- The reference is OFFICE/ID (contracts.detainers.detainer_ref_for).
--
-- Returns one answer per detainer, in order: {1, changelog id, reference} when lodged now, {0, existing
-- record, reference} when the office already lodged this id (the caller decides whether that is a retry).
-- Another office's detainer of the same id is another detainer: it is neither read nor touched.
local score, change_head, change_tail = ARGV[1], ARGV[2], ARGV[3]
local offices = tonumber(ARGV[4])
local listings = {}
for o = 1, offices do
  local k = 3 + (o - 1) * 4
  listings[ARGV[4 + o]] = {KEYS[k + 1], KEYS[k + 2], KEYS[k + 3], KEYS[k + 4]}
end
local first_key, first_arg = 3 + offices * 4, 4 + offices
local answers = {}
for i = 1, (#ARGV - first_arg) / 3 do
  local k, a = first_key + (i - 1) * 3, first_arg + (i - 1) * 3
  local detainer_id, office, record = ARGV[a + 1], ARGV[a + 2], ARGV[a + 3]
  local ref = office .. '/' .. detainer_id
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
    redis.call('SET', KEYS[k + 1], record)
    redis.call('SADD', KEYS[1], ref)
    for _, listing in ipairs(listings[office]) do
      redis.call('ZADD', listing, score, ref)
    end
    redis.call('SADD', KEYS[k + 3], office)
    local seq = redis.call('INCR', KEYS[3])
    local id = redis.call(
      'XADD', KEYS[2], '*', '__data__', change_head .. record .. change_tail, 'type', 'detainer_lodged',
      'detainer_id', detainer_id, 'detainer_ref', ref, 'seq', seq)
    answers[i] = {1, id, ref}
  end
end
return answers
