-- Remove one consumer from a group, only if it is still idle past the limit and holds no pending entry.
-- KEYS[1] stream; ARGV[1] group, ARGV[2] consumer, ARGV[3] idle limit (ms).
-- Returns 1 when removed, 0 when it came back to life or still holds entries (tried again next time).
-- Checked and removed in one step: XGROUP DELCONSUMER drops whatever the consumer still holds from the
-- pending list, and a dropped entry would never be delivered again.
local consumers = redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])
for _, consumer in ipairs(consumers) do
  local fields = {}
  for i = 1, #consumer, 2 do fields[consumer[i]] = consumer[i + 1] end
  if fields['name'] == ARGV[2] then
    if tonumber(fields['idle']) < tonumber(ARGV[3]) or tonumber(fields['pending']) > 0 then
      return 0
    end
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
    return 1
  end
end
return 0
