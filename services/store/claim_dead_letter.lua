-- Claim a dead letter for an action (replay or discard), once.
--
-- KEYS[1] the dispositions hash   KEYS[2] the dead-letter stream
-- ARGV[1] dead-letter entry id    ARGV[2] the disposition JSON to record
-- ARGV[3] "1" to take over a replay that was claimed but never finished
--
-- Returns {1} when claimed, {0, current disposition} when already handled, {-1} when no such entry.
if #redis.call('XRANGE', KEYS[2], ARGV[1], ARGV[1]) == 0 then
  return {-1}
end
local current = redis.call('HGET', KEYS[1], ARGV[1])
if current then
  local unfinished = string.find(current, '"state":"replaying"', 1, true)
  if not (ARGV[3] == '1' and unfinished) then
    return {0, current}
  end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return {1}
