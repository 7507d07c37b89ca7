-- Find the bookings filed under many blocking keys of one hash tag (the searches of a batch of lodges), in one call.
--
-- KEYS       buckets of one tag, each named once, in groups, a group a level (members are a digest fragment of the
--            blocking key followed by the booking's reference, scored by when the filing expires, s or inf)
-- ARGV[1]    now (s): a filing scored below it has expired
-- ARGV[2]    how many KEYS each group has, in order: "<level 1> <level 2> ..."
-- ARGV[3..]  one a key: "<fragment> <bucket> ...": the digits of the key's digest its filings' members start with,
--            then the position in its level's group of its bucket at each level (1: the group's first)
--
-- Answers a flat array for the keys that found anything, two items each: the key's position among the lines (1:
-- ARGV[3]) and an array of its filings' references (each member without its fragment). A level none of whose
-- buckets exists is not read: one EXISTS finds that (the deeper levels of a young index), and a call whose levels
-- are all empty answers without reading its lines. A bucket is read once a call however many keys it serves, and
-- only what a key's fragment names comes back: a full bucket's other filings stay in Redis.
local call, sub, match, rep, gmatch, unpack, min = redis.call, string.sub, string.match, string.rep, string.gmatch,
  unpack, math.min
local now_s = ARGV[1]
local keys = KEYS

-- Each group's offset in KEYS, and whether any of its buckets exists (EXISTS of a thousand names at most at once:
-- ``unpack`` takes no more than 8,000 values).
local offsets, used = {}, {}
local first, any = 1, false
for size in gmatch(ARGV[2], '%d+') do
  local last = first + tonumber(size) - 1
  local exists = 0
  for i = first, last, 1000 do
    exists = call('EXISTS', unpack(keys, i, min(i + 999, last)))
    if exists > 0 then
      break
    end
  end
  offsets[#offsets + 1] = first - 1
  used[#used + 1] = exists > 0
  any = any or exists > 0
  first = last + 1
end
local found = {}
if first - 1 ~= #keys then
  return redis.error_reply('ERR the groups do not add up to KEYS')
end
if not any then
  return found
end
local groups = #offsets

local pattern = '^(%S+)' .. rep(' (%d+)', groups) .. '$'
local read = {} -- by index in KEYS: a bucket's references by fragment, once read
for line = 3, #ARGV do
  local words = { match(ARGV[line], pattern) }
  if #words ~= groups + 1 then
    return redis.error_reply('ERR a line names a fragment and a bucket of every group')
  end
  local fragment = words[1]
  local width = #fragment
  local refs = {}
  for group = 1, groups do
    if used[group] then
      local at = offsets[group] + tonumber(words[group + 1])
      local filed = read[at]
      if filed == nil then
        filed = {}
        for _, member in ipairs(call('ZRANGEBYSCORE', keys[at], now_s, '+inf')) do
          local head = sub(member, 1, width)
          local same = filed[head]
          if same == nil then
            same = {}
            filed[head] = same
          end
          same[#same + 1] = sub(member, width + 1)
        end
        read[at] = filed
      end
      local mine = filed[fragment]
      if mine ~= nil then
        for _, reference in ipairs(mine) do
          refs[#refs + 1] = reference
        end
      end
    end
  end
  if #refs > 0 then
    found[#found + 1] = line - 2
    found[#found + 1] = refs
  end
end
return found
