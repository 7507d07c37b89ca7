-- End a facility's hold once the operator's decision on it is carried out: new alerts go out as usual again.
-- The decision is kept as the last one, for an alert a batch in flight held after the hold ended.
--
-- KEYS[1] the facility's feed hash
-- ARGV[1] the decision carried out, JSON
--
-- Returns 1.
redis.call('HSET', KEYS[1], 'last_hold_decision', ARGV[1])
redis.call('HDEL', KEYS[1], 'hold', 'hold_decision')
return 1
