-- File and unfile bookings under many blocking keys of one hash tag in one call, and keep the buckets bounded.
--
-- KEYS       buckets of one tag (sorted sets: members are a digest prefix of the blocking key followed by the
--            booking's reference, scored by when the filing expires, s or inf). With filings: the buckets of the
--            call's n keys level by level, from level ARGV[5] to the last: KEYS[k] is the k-th key's bucket at
--            level ARGV[5], KEYS[k + n] its bucket at the next level, and so on (n times ARGV[3] - ARGV[5] + 1
--            names); without (the sweep), any buckets
-- ARGV[1]    now (s)
-- ARGV[2]    the most filings a bucket takes before the next level's bucket is used (the last level takes any)
-- ARGV[3]    levels: how many buckets a key has
-- ARGV[4]    the level a filing goes to first (1: the first), unless it is where it is already: a level before
--            it takes no filing it does not hold (it keeps, updates and unfiles those it holds)
-- ARGV[5]    the level of each key's first bucket in KEYS: 1 (every level), or, when every filing of the call is
--            new ("n", which never looks before ARGV[4]), any up to ARGV[4] (fewer KEYS to send and table)
-- ARGV[6..]  filings, in groups: an argument holds one or more filings of one operation and expiry (the caller sends
--            a call's filings grouped so, not a batch's thousands of arguments to encode, nor the operation and
--            expiry again on every line): "<op> <expiry>" and then a line a filing, "<first> <member>". The op is
--            "f" (file), "n" (file new: the caller has not filed the member under this key before, so it is not
--            looked for in the buckets past where it goes), "u" (unfile) or "k" (keep: file unless already filed,
--            so an upgrade's copy never overrides a filing); the expiry is in s, or "+inf" (unused by "u"); first
--            is the index in KEYS of the key's first bucket there, and the member has no line break in it
--
-- A filing is kept in the bucket it already is in (whatever level), else goes to the first bucket not full from
-- level ARGV[4] on. A new filing goes to the first bucket not full from there, or stays in the first full one that
-- holds it already (a batch filed once before its state was saved, and filed again: where it went then, unless the
-- buckets changed meanwhile; a level before ARGV[4] is not looked in for it).
-- A full bucket drops its expired filings when a filing would go there (then it has room again); every bucket a
-- filing touched expires with its last filing. With no filings (the sweep: ARGV[1..3] only), every bucket given
-- drops its expired filings, and one that dropped any expires with its last: the sweep, not the writes, drops what
-- lies in no one's way. Answers how many filings were dropped as expired; refuses a call whose KEYS start past
-- ARGV[4], or past level 1 with a filing that is not new, before changing anything.
local find, sub, byte = string.find, string.sub, string.byte
local most = tonumber(ARGV[2])
local levels = tonumber(ARGV[3])
local start = (tonumber(ARGV[4]) or 1) - 1 -- (0: the first level)
local base = (tonumber(ARGV[5]) or 1) - 1 -- the level of each key's first bucket in KEYS (0: every level's there)
local keys = KEYS
local n = #keys / (levels - base) -- keys (with filings)
local skip = base * n -- KEYS[first + level * n - skip]: the key's bucket at that level (0: the first)
local lead = (start - base) * n -- KEYS[first + lead]: its bucket at level ARGV[4]
local last_level = levels - 1
local call = redis.call
local expired = '(' .. ARGV[1] -- the scores of filings whose retention ended: below now
local dropped = 0
if base > start then
  return redis.error_reply('ERR filings go to a level before the first bucket given')
end
if base > 0 then
  for i = 6, #ARGV do
    if byte(ARGV[i]) ~= 110 then -- ('n')
      return redis.error_reply('ERR only new filings without every level')
    end
  end
end
-- Every bucket this call changed (filed, unfiled or kept a member in), and what that says of its last score:
-- HELD, it last filed a member in it for good (+inf) and did not since unfile one there or change a member's score
-- (maybe that one's), so its last score is inf; the index in ARGV of a group of new filings with an expiry (whole
-- seconds), when the call only added members with an expiry to it, that one the latest: its last score is that or
-- what it was (the bucket's expiry, if any: a bucket expires with its last filing); else TOUCHED: its last score
-- is asked. A bucket this call changed may exist now (``deeper_in_use``).
local TOUCHED, HELD = 1, 2 -- (ARGV's groups from 6)
local marks = {}
local endings, expiries = {}, {} -- by group: its expiry (a number, and as given)
-- By bucket, how many filings it holds: read once a call (a ZCARD), then counted as this call adds and removes.
local sizes = {}
-- Every bucket that did not exist when this call first read its size: if the call made it, it has no expiry.
local fresh = {}

-- The paths past the common one (a new filing where there is room), made the first time one is taken: most calls
-- take none, and need not make their functions.
local function paths()
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

  -- ZADD, keeping ``sizes`` and ``marks`` true; ``nx``: only a member not there yet (the keep).
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
    marks[key] = expiry == '+inf' and HELD or TOUCHED
  end

  -- Whether any of a key's buckets from ``level`` (0: the first) on exists.
  local function exists_from(first, level)
    local names = {}
    for deeper = level, last_level do
      names[#names + 1] = keys[first + deeper * n - skip]
    end
    return call('EXISTS', unpack(names)) > 0
  end

  -- No deeper bucket of any key in use (with filings from level 1: the common case below a few hundred thousand
  -- bookings): then one is only if this call added to it, and a filing is in its key's level-1 bucket or nowhere.
  -- (EXISTS of a thousand at most at once: ``unpack`` takes no more than 8,000 values.)
  -- Asked once a call, by the first filing that is not new (new filings need not know; those calls give every
  -- level).
  local shallow = nil
  local function all_shallow()
    if shallow == nil then
      shallow = true
      for i = n + 1, #keys, 1000 do
        if call('EXISTS', unpack(keys, i, math.min(i + 999, #keys))) > 0 then
          shallow = false
          break
        end
      end
    end
    return shallow
  end

  -- Whether a deeper bucket of the key is in use: false, 'maybe' (this call changed one) or true (EXISTS says so).
  local function deeper_in_use(first)
    if all_shallow() then
      for level = 1, last_level do
        if marks[keys[first + level * n]] then
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
    if gone > 0 and marks[key] then
      marks[key] = TOUCHED -- (it may have lost every filing, and its expiry with its last: asked)
    end
    return gone > 0
  end

  -- Where a member is filed among its key's buckets, else the first bucket with room. ``deeper``: EXISTS said a
  -- deeper bucket of the key is in use (nothing changed since: not asked again). (Every level in KEYS.)
  local function place(first, member, deeper)
    local room = nil
    for level = 0, last_level do
      local key = keys[first + level * n]
      if level > 0 and not (level == 1 and deeper) and not exists_from(first, level) then
        return nil, room or keys[first + math.max(level, start) * n]
      end
      if call('ZSCORE', key, member) then
        return key, nil
      end
      if not room and level >= start and (level == last_level or size(key) < most or made_room(key)) then
        room = key
      end
    end
    return nil, room
  end

  -- File (or keep) a member (every level in KEYS). No deeper bucket of its key in use: from level 1, its size and a
  -- ZADD (a ZADD updates a member already there), and a ZSCORE only when the bucket is full (then only a member
  -- already there stays; a new one goes to the next level); from a deeper level, a ZSCORE of level 1 (kept there
  -- if it is) and a ZADD at that level. Otherwise ``place`` decides. A full bucket is never added to, not
  -- even for a moment: a sorted set past the listpack's entries becomes a skiplist and never turns back.
  local function file(first, member, expiry, keep)
    local key = keys[first]
    local deeper = levels > 1 and deeper_in_use(first)
    if levels > 1 and not deeper then
      if start == 0 and size(key) < most or call('ZSCORE', key, member) or start == 0 and made_room(key) then
        add(key, expiry, member, keep)
        return key
      end
      key = keys[first + math.max(start, 1) * n]
      add(key, expiry, member, false)
      return key
    end
    local home, room = place(first, member, deeper == true)
    if not keep or not home then
      add(home or room, expiry, member, false)
    end
    return home or room
  end

  -- File a new member past a full bucket at level ARGV[4] (the loop below tries that one first): a ZSCORE of each
  -- full bucket (a full one holding it keeps it) and the size of the next, never an EXISTS (the last level takes
  -- any).
  local function file_new(first, member, expiry)
    for level = start, last_level do
      local key = keys[first + level * n - skip]
      if level == last_level or size(key) < most or call('ZSCORE', key, member) or made_room(key) then
        add(key, expiry, member, false)
        return
      end
    end
  end

  -- Unfile a member from every level.
  local function unfile(first, member)
    for level = 0, last_level do
      local key = keys[first + level * n]
      if call('ZREM', key, member) == 1 then
        count(key, -1)
        marks[key] = TOUCHED
      end
    end
  end

  return { file = file, file_new = file_new, unfile = unfile }
end
local rare = nil

for i = 6, #ARGV do
  local filings = ARGV[i]
  local last = #filings
  local at = find(filings, '\n', 1, true) -- the group's head ends there
  local op, expiry = byte(filings), sub(filings, 3, (at or last + 1) - 1) -- (op: "f" 102, "k" 107, "n" 110, "u" 117)
  local forever = expiry == '+inf'
  -- A new filing with an expiry in whole seconds: its bucket's mark may be this group's (ARGV's) index.
  local ends = not forever and find(expiry, '^%d+$') and tonumber(expiry)
  local latest = TOUCHED
  if ends then
    latest, endings[i], expiries[i] = i, ends, expiry
  end
  while at and at < last do
    -- The index in KEYS from its digits (no string made, no strtod), and the space after it.
    local first, tens, ones, space = byte(filings, at + 1, at + 4)
    if tens == 32 then -- (" ")
      first, space = first - 48, at + 2
    elseif ones == 32 then
      first, space = first * 10 + tens - 528, at + 3
    elseif space == 32 then
      first, space = first * 100 + tens * 10 + ones - 5328, at + 4
    else
      space = find(filings, ' ', at + 1, true)
      first = tonumber(sub(filings, at + 1, space - 1))
    end
    local stop = find(filings, '\n', space + 1, true)
    local member = sub(filings, space + 1, (stop or last + 1) - 1)
    at = stop
    if op == 110 then
      -- A new member: level after level from ARGV[4], the first bucket with room, or a full one already holding
      -- it. Its size and a ZADD while that level has room, whatever the deeper levels hold.
      local key = keys[first + lead]
      local filed = sizes[key]
      if filed == nil then
        filed = call('ZCARD', key) -- (kept in ``sizes`` below)
        if filed == 0 then
          fresh[key] = true
        end
      end
      if filed < most or start == last_level then
        local added = call('ZADD', key, expiry, member)
        sizes[key] = filed + added
        if forever then
          marks[key] = HELD
        else
          local mark = marks[key]
          if added == 0 then -- (a member there already, its score changed: maybe the bucket's last)
            marks[key] = TOUCHED
          elseif mark == nil or mark > HELD and (not ends or endings[mark] < ends) then
            marks[key] = latest
          end
        end
      else
        sizes[key] = filed
        rare = rare or paths()
        rare.file_new(first, member, expiry)
      end
    elseif op == 117 then
      rare = rare or paths()
      rare.unfile(first, member)
    else
      rare = rare or paths()
      local key = rare.file(first, member, expiry, op == 107)
      marks[key] = marks[key] or TOUCHED
    end
  end
end
local sweep = ARGV[6] == nil
if sweep then
  for _, key in ipairs(keys) do
    marks[key] = TOUCHED
  end
end

for key, mark in pairs(marks) do
  local gone = 0
  if sweep then
    gone = call('ZREMRANGEBYSCORE', key, '-inf', expired)
    dropped = dropped + gone
  end
  if not sweep or gone > 0 then
    if mark == HELD then
      if not fresh[key] then -- (a bucket this call made has no expiry)
        call('PERSIST', key) -- a filing for good is in it: its last score is inf
      end
    elseif mark > HELD then -- the latest expiry it was given, unless it expires later or never (GT)
      if fresh[key] then
        call('EXPIREAT', key, expiries[mark])
      else
        call('EXPIREAT', key, expiries[mark], 'GT')
      end
    else
      local last = call('ZRANGE', key, '-1', '-1', 'WITHSCORES')
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
