-- File and unfile bookings under many blocking keys of one hash tag in one call, and keep the buckets bounded.
--
-- KEYS       buckets of one tag (sorted sets: members are a digest prefix of the blocking key followed by the
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
-- A filing is kept in the bucket it already is in (whatever level), else goes to the first bucket not full.
-- Then every bucket a filing touched drops its expired filings and expires with its last one. With no filings
-- (the sweep), every bucket given drops its expired filings, and one that dropped any expires with its last.
-- Answers how many filings were dropped as expired.
local now = tonumber(ARGV[1])
local most = tonumber(ARGV[2])
local levels = tonumber(ARGV[3])
local touched = {}
local order = {}

local function touch(key)
  if not touched[key] then
    touched[key] = true
    order[#order + 1] = key
  end
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

-- File (or keep) a member: the common case, no deeper bucket of its key in use, costs an EXISTS, a ZSCORE and
-- a ZADD (and a ZCARD when it is new there); otherwise ``place`` decides. A full bucket is never added to, not
-- even for a moment: a sorted set past the listpack's entries becomes a skiplist and never turns back.
local function file(first, member, expiry, keep)
  local key = KEYS[first]
  if levels > 1 and redis.call('EXISTS', unpack(KEYS, first + 1, first + levels - 1)) == 0 then
    if redis.call('ZSCORE', key, member) then
      if not keep then
        redis.call('ZADD', key, expiry, member)
      end
      return key
    end
    if redis.call('ZCARD', key) < most then
      redis.call('ZADD', key, expiry, member)
      return key
    end
    redis.call('ZADD', KEYS[first + 1], expiry, member)
    return KEYS[first + 1]
  end
  local home, room = place(first, member)
  if not keep or not home then
    redis.call('ZADD', home or room, expiry, member)
  end
  return home or room
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
    touch(file(first, member, expiry, op == 'k'))
  end
end

local sweep = #ARGV < 4
if sweep then
  for _, key in ipairs(KEYS) do
    touch(key)
  end
end

local dropped = 0
for _, key in ipairs(order) do
  local gone = redis.call('ZREMRANGEBYSCORE', key, '-inf', '(' .. now)
  dropped = dropped + gone
  if not sweep or gone > 0 then
    local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
    if #last > 0 then
      if last[2] == 'inf' then
        redis.call('PERSIST', key)
      else
        redis.call('EXPIREAT', key, math.ceil(tonumber(last[2])))
      end
    end
  end
end
return dropped
