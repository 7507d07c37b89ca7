-- Create each alert once: its record, its four listings, its story and its stream entry together.
--
-- KEYS[1]                     the alert stream
-- KEYS[2 + 5(i-1) .. +4]      for alert i: the record, then its four listings
-- ARGV[1 + 4(i-1) .. +3]      for alert i: alert_id, record JSON, listing score (ms), stream message JSON, or ''
--                             for an alert created closed (a release schedule that no longer stood): listed, in
--                             its story, never announced
-- then, after those of all n alerts:
-- KEYS[2 + 5n + 3(i-1) .. +2] for alert i: its story's alerts, the story listing, its office's story listing
-- ARGV[4n + i]                for alert i: its story id
-- then, after those:
-- KEYS[2 + 8n + 2(i-1) .. +1] for alert i: the release listings of its release status (all offices', its office's)
-- ARGV[5n + i]                for alert i: '1' when it is a release schedule, listed there too; '0' when not
--
-- Returns one 1 (created now) or 0 (it existed: nothing changed) per alert.
local created = {}
local count = (#KEYS - 1) / 10
for i = 1, count do
  local k = 2 + (i - 1) * 5
  local a = 1 + (i - 1) * 4
  if redis.call('SET', KEYS[k], ARGV[a + 1], 'NX') then
    for j = 1, 4 do
      redis.call('ZADD', KEYS[k + j], ARGV[a + 2], ARGV[a])
    end
    -- The story lists its alerts by the time raised, and is listed by its latest alert's (GT: never back).
    local s = 2 + count * 5 + (i - 1) * 3
    redis.call('ZADD', KEYS[s], ARGV[a + 2], ARGV[a])
    redis.call('ZADD', KEYS[s + 1], 'GT', ARGV[a + 2], ARGV[count * 4 + i])
    redis.call('ZADD', KEYS[s + 2], 'GT', ARGV[a + 2], ARGV[count * 4 + i])
    if ARGV[count * 5 + i] == '1' then
      local r = 2 + count * 8 + (i - 1) * 2
      redis.call('ZADD', KEYS[r], ARGV[a + 2], ARGV[a])
      redis.call('ZADD', KEYS[r + 1], ARGV[a + 2], ARGV[a])
    end
    if ARGV[a + 3] ~= '' then
      redis.call('XADD', KEYS[1], '*', '__data__', ARGV[a + 3], 'type', 'alert_raised', 'alert_id', ARGV[a])
    end
    created[i] = 1
  else
    created[i] = 0
  end
end
return created
