-- File and unfile bookings under many blocking keys of one hash tag in one call, and keep the buckets bounded.
--
-- KEYS       buckets of one tag (sorted sets: members are a digest prefix of the blocking key followed by the
--            booking's reference, scored by when the filing expires, s or inf). With filings: the buckets of the
--            call's n keys level by level, from the fewest-a-tag level to the most: KEYS[k] is the k-th key's
--            level-1 bucket, KEYS[k + n] its level-2 bucket, and so on (n times ARGV[3] names); without (the
--            sweep), any buckets
-- ARGV[1]    now (s)
-- ARGV[2]    the most filings a bucket takes before the next level's bucket is used (the last level takes any)
-- ARGV[3]    levels: how many buckets a key has
-- ARGV[4]    the level a filing goes to first (1: the first), unless it is where it is already: a level before
--            it takes no filing it does not hold (it keeps, updates and unfiles those it holds)
-- ARGV[5..]  filings, in groups: an argument holds one or more filings of one operation and expiry (the caller sends
--            a call's filings grouped so, not a batch's thousands of arguments to encode, nor the operation and
--            expiry again on every line): "<op> <expiry>" and then a line a filing, "<first> <member>". The op is
--            "f" (file), "n" (file new: the caller has not filed the member under this key before, so it is not
--            looked for in the buckets past where it goes), "u" (unfile) or "k" (keep: file unless already filed,
--            so an upgrade's copy never overrides a filing); the expiry is in s, or "+inf" (unused by "u"); first
--            is the index in KEYS of the key's level-1 bucket, and the member has no line break in it
--
-- A filing is kept in the bucket it already is in (whatever level), else goes to the first bucket not full from
-- level ARGV[4] on. A new filing goes to the first bucket not full from there, or stays in the first full one that
-- holds it already (a batch filed once before its state was saved, and filed again: where it went then, unless the
-- buckets changed meanwhile; a level before ARGV[4] is not looked in for it).
-- A full bucket drops its expired filings when a filing would go there (then it has room again); every bucket a
-- filing touched expires with its last filing. With no filings (the sweep), every bucket given drops its expired
-- filings, and one that dropped any expires with its last: the sweep, not the writes, drops what lies in no one's
-- way. Answers how many filings were dropped as expired.
local now = tonumber(ARGV[1])
local most = tonumber(ARGV[2])
local levels = tonumber(ARGV[3])
local start = (tonumber(ARGV[4]) or 1) - 1 -- (0: the first level)
local n = #KEYS / levels -- keys (with filings)
local call = redis.call
local expired = '(' .. now -- the scores of filings whose retention ended: below now
local dropped = 0
local touched = {}
local order = {}
-- Every bucket this call filed a member in for good (+inf), and those of them where it then unfiled a member or
-- filed one with an expiry (maybe one it had filed for good): a bucket held and not since changed so holds a
-- filing for good, its last score is inf; a changed one is asked (its last score).
local held = {}
local changed = {}
-- Every bucket this call added to: it may exist now (``deeper_in_use``).
local made = {}
-- By bucket, how many filings it holds: read once a call (``size``), then counted as this call adds and removes.
local sizes = {}
-- Every bucket that did not exist when this call first read its size: if the call made it, it has no expiry.
local fresh = {}

-- How many filings a bucket holds (a ZCARD the first time a call asks).
local function size(key)
  local filings = sizes[key]
  if filings == nil then
    filings = call('ZCARD', key)
    sizes[key] = filings
    if filings == 0 then
      fresh[key] = true
    end
  end
  return filings
end

-- A bucket gained or lost ``change`` filings.
local function count(key, change)
  local known = sizes[key]
  if known then
    sizes[key] = known + change
  end
end

local function touch(key)
  if not touched[key] then
    touched[key] = true
    order[#order + 1] = key
  end
end

-- ZADD, keeping ``held``, ``changed`` and ``made`` true; ``nx``: only a member not there yet (the keep).
local function add(key, expiry, member, nx)
  local added
  if nx then
    added = call('ZADD', key, 'NX', expiry, member)
    if added == 0 then
      return
    end
  else
    added = call('ZADD', key, expiry, member)
  end
  count(key, added)
  made[key] = true
  if expiry == '+inf' then
    held[key] = true
  elseif held[key] then
    changed[key] = true
  end
end

-- Whether any of a key's buckets from ``level`` (0: the first) on exists.
local function exists_from(first, level)
  local names = {}
  for deeper = level, levels - 1 do
    names[#names + 1] = KEYS[first + deeper * n]
  end
  return call('EXISTS', unpack(names)) > 0
end

-- No deeper bucket of any key in use (with filings from level 1: the common case below a few hundred thousand
-- bookings): then one is only if this call added to it, and a filing is in its key's level-1 bucket or nowhere.
-- (EXISTS of a thousand at most at once: ``unpack`` takes no more than 8,000 values.)
-- Asked once a call, by the first filing that is not new (new filings need not know).
local shallow = nil
local function all_shallow()
  if shallow == nil then
    shallow = true
    for i = n + 1, #KEYS, 1000 do
      if call('EXISTS', unpack(KEYS, i, math.min(i + 999, #KEYS))) > 0 then
        shallow = false
        break
      end
    end
  end
  return shallow
end

-- Whether a deeper bucket of the key is in use: false, 'maybe' (this call added to one) or true (EXISTS says so).
local function deeper_in_use(first)
  if all_shallow() then
    for level = 1, levels - 1 do
      if made[KEYS[first + level * n]] then
        return 'maybe'
      end
    end
    return false
  end
  return exists_from(first, 1)
end

-- Whether a full bucket has room once its expired filings are dropped (they are).
local function made_room(key)
  local gone = call('ZREMRANGEBYSCORE', key, '-inf', expired)
  dropped = dropped + gone
  count(key, -gone)
  return gone > 0
end

-- Where a member is filed among its key's buckets, else the first bucket with room. ``deeper``: EXISTS said a
-- deeper bucket of the key is in use (nothing changed since: not asked again).
local function place(first, member, deeper)
  local room = nil
  for level = 0, levels - 1 do
    local key = KEYS[first + level * n]
    if level > 0 and not (level == 1 and deeper) and not exists_from(first, level) then
      return nil, room or KEYS[first + math.max(level, start) * n]
    end
    if call('ZSCORE', key, member) then
      return key, nil
    end
    if not room and level >= start and (level == levels - 1 or size(key) < most or made_room(key)) then
      room = key
    end
  end
  return nil, room
end

-- File (or keep) a member. No deeper bucket of its key in use: from level 1, its size and a ZADD (a ZADD updates a
-- member already there), and a ZSCORE only when the bucket is full (then only a member already there stays; a new
-- one goes to the next level); from a deeper level, a ZSCORE of level 1 (kept there if it is) and a ZADD at that
-- level. Otherwise ``place`` decides. A full bucket is never added to, not
-- even for a moment: a sorted set past the listpack's entries becomes a skiplist and never turns back.
local function file(first, member, expiry, keep)
  local key = KEYS[first]
  local deeper = levels > 1 and deeper_in_use(first)
  if levels > 1 and not deeper then
    if start == 0 and size(key) < most or call('ZSCORE', key, member) or start == 0 and made_room(key) then
      add(key, expiry, member, keep)
      return key
    end
    key = KEYS[first + math.max(start, 1) * n]
    add(key, expiry, member, false)
    return key
  end
  local home, room = place(first, member, deeper == true)
  if not keep or not home then
    add(home or room, expiry, member, false)
  end
  return home or room
end

-- File a new member: level after level from ARGV[4], the first bucket with room, or a full one already holding it.
-- Its size and a ZADD while that level has room, whatever the deeper levels hold; past it a ZSCORE of each full
-- bucket and the size of the next, never an EXISTS (the last level takes any).
local function file_new(first, member, expiry)
  for level = start, levels - 1 do
    local key = KEYS[first + level * n]
    if level == levels - 1 or size(key) < most or call('ZSCORE', key, member) or made_room(key) then
      add(key, expiry, member, false)
      return key
    end
  end
end

local find, sub = string.find, string.sub
for i = 5, #ARGV do
  local filings = ARGV[i]
  local last = #filings
  local at = find(filings, '\n', 1, true) -- the group's head ends there
  local op, expiry = sub(filings, 1, 1), sub(filings, 3, (at or last + 1) - 1)
  while at and at < last do
    local space = find(filings, ' ', at + 1, true)
    local stop = find(filings, '\n', space + 1, true)
    local first, member = tonumber(sub(filings, at + 1, space - 1)), sub(filings, space + 1, (stop or last + 1) - 1)
    at = stop
    if op == 'n' then
      touch(file_new(first, member, expiry))
    elseif op == 'u' then
      for level = 0, levels - 1 do
        local key = KEYS[first + level * n]
        if call('ZREM', key, member) == 1 then
          count(key, -1)
          touch(key)
          if held[key] then
            changed[key] = true
          end
        end
      end
    else
      touch(file(first, member, expiry, op == 'k'))
    end
  end
end

local sweep = #ARGV < 5
if sweep then
  for _, key in ipairs(KEYS) do
    touch(key)
  end
end

for _, key in ipairs(order) do
  local gone = 0
  if sweep then
    gone = call('ZREMRANGEBYSCORE', key, '-inf', expired)
    dropped = dropped + gone
  end
  if not sweep or gone > 0 then
    if held[key] and not changed[key] then
      if not fresh[key] then -- (a bucket this call made has no expiry)
        call('PERSIST', key) -- a filing for good is in it: its last score is inf
      end
    else
      local last = call('ZRANGE', key, -1, -1, 'WITHSCORES')
      if #last > 0 then
        if last[2] == 'inf' then
          call('PERSIST', key)
        else
          call('EXPIREAT', key, math.ceil(tonumber(last[2])))
        end
      end
    end
  end
end
return dropped
