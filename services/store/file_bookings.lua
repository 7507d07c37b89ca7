-- File and unfile bookings under many blocking keys of one hash tag in one call, and keep the buckets bounded.
--
-- KEYS[1]    the tag's due set: each bucket holding a filing that expires (by its name's last part), scored no
--            later than the earliest such expiry (s)
-- KEYS[2..]  buckets of that tag (sorted sets: members are a digest prefix of the blocking key followed by the
--            booking's reference, scored by when the filing expires, s or inf); for a filing, its key's buckets
--            from the fewest-a-tag level to the most, ARGV[3] of them in a row
-- ARGV[1]    now (s)
-- ARGV[2]    the most filings a bucket takes before the next level's bucket is used (the last level takes any)
-- ARGV[3]    levels: how many buckets a key has
-- ARGV[4..]  one filing an argument, "<first> <op> <expiry> <member>": the index in KEYS of the key's first
--            bucket, "f" (file), "u" (unfile) or "k" (keep: file unless already filed, so an upgrade's copy never
--            overrides a filing), the expiry (s, or "+inf"; unused by "u"), and the member (one string an argument
--            rather than four: a batch's calls are thousands of arguments for the client to encode)
--
-- A filing is kept in the bucket it already is in (whatever level), else goes to the first bucket not full; a
-- filing that expires notes its bucket in the due set (no later than it expires). Then every bucket a filing
-- touched drops its expired filings and expires with its last one. With no filings (the sweep, given the buckets
-- the due set says are due), every bucket given is pruned so, and its due entry set to its earliest expiry left
-- (or removed). Answers how many of those buckets still hold a filing.
local now = tonumber(ARGV[1])
local most = tonumber(ARGV[2])
local levels = tonumber(ARGV[3])
local due = KEYS[1]
local touched = {}
local order = {}

local function touch(key)
  if not touched[key] then
    touched[key] = true
    order[#order + 1] = key
  end
end

local function bucket_name(key)
  return string.match(key, '[^:]+$')
end

-- Where a member is filed among its key's buckets (KEYS[first..]), else the first bucket with room.
local function place(first, member)
  local room = nil
  for level = 0, levels - 1 do
    local key = KEYS[first + level]
    if level > 0 and redis.call('EXISTS', unpack(KEYS, first + level, first + levels - 1)) == 0 then
      return nil, room or key
    end
    if redis.call('ZSCORE', key, member) then
      return key, nil
    end
    if not room and (level == levels - 1 or redis.call('ZCARD', key) < most) then
      room = key
    end
  end
  return nil, room
end

for i = 4, #ARGV do
  local first, op, expiry, member = string.match(ARGV[i], '^(%d+) (%a) (%S+) (.+)$')
  first = tonumber(first)
  if op == 'u' then
    for level = 0, levels - 1 do
      local key = KEYS[first + level]
      if redis.call('ZREM', key, member) == 1 then
        touch(key)
      end
    end
  else
    local home, room = place(first, member)
    local key = home or room
    if op == 'f' or not home then
      redis.call('ZADD', key, expiry, member)
      if expiry ~= '+inf' then
        redis.call('ZADD', due, 'LT', expiry, bucket_name(key))
      end
    end
    touch(key)
  end
end

local sweep = #ARGV < 4
if sweep then
  for i = 2, #KEYS do
    touch(KEYS[i])
  end
end

local filing = 0
for _, key in ipairs(order) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', '(' .. now)
  local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
  if #last > 0 then
    filing = filing + 1
    if last[2] == 'inf' then
      redis.call('PERSIST', key)
    else
      redis.call('EXPIREAT', key, math.ceil(tonumber(last[2])))
    end
  end
  if sweep then
    local earliest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    if #earliest == 0 or earliest[2] == 'inf' then
      redis.call('ZREM', due, bucket_name(key))
    else
      redis.call('ZADD', due, earliest[2], bucket_name(key))
    end
  end
end
return filing
