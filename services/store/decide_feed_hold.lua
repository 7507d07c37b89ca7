-- Keep an operator's decision on a facility's hold, once: the notifier carries it out at its next check.
--
-- KEYS[1] the facility's feed hash
-- ARGV[1] the decision JSON
--
-- Returns 1 when kept now, 0 when a decision was taken already (it stands), -1 when no hold is in force.
if redis.call('HEXISTS', KEYS[1], 'hold') == 0 then
  return -1
end
return redis.call('HSETNX', KEYS[1], 'hold_decision', ARGV[1])
