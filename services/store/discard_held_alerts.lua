-- Discard held alerts an operator judged a data error: each one still held moves from the facility's held alerts
-- to its discarded alerts, keeping its score (the time raised). Its record stays; it is listed nowhere, sent nowhere.
--
-- KEYS[1] the facility's held alerts   KEYS[2] its discarded alerts
-- ARGV    the ids of the alerts to discard
--
-- Returns how many moved now (an id no longer held, released or discarded before, is left alone).
local moved = 0
for _, alert_id in ipairs(ARGV) do
  local score = redis.call('ZSCORE', KEYS[1], alert_id)
  if score then
    redis.call('ZREM', KEYS[1], alert_id)
    redis.call('ZADD', KEYS[2], score, alert_id)
    moved = moved + 1
  end
end
return moved
