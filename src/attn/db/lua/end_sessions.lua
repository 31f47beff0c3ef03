-- End every session of a user (log out everywhere, an admin's action, a new password or
-- role), exactly the ones the caller read: a login that slipped in between makes the
-- caller read again rather than survive.
-- KEYS[1]    = attn:user:{<user_number>}:sessions
-- KEYS[2..]  = the keys of the sessions the caller read from it
-- ARGV[1]    = their ids, sorted, joined by ','
-- Returns the number of session keys deleted, or -1 when the index changed.
local live = redis.call('ZRANGE', KEYS[1], 0, -1)
table.sort(live)
if table.concat(live, ',') ~= ARGV[1] then
  return -1
end
local ended = 0
for i = 2, #KEYS do
  ended = ended + redis.call('DEL', KEYS[i])
end
redis.call('DEL', KEYS[1])
return ended
