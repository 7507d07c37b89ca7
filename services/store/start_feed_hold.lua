-- Hold a facility's alerts (a surge of releases), unless a hold is in force already: the first hold stands.
--
-- KEYS[1] the facility's feed hash
-- ARGV[1] the hold JSON
--
-- Returns 1 when held now, 0 when a hold was in force already (nothing changed).
if redis.call('HSETNX', KEYS[1], 'hold', ARGV[1]) == 1 then
  return 1
end
return 0
