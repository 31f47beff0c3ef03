-- Open a login session, ending the user's oldest ones beyond the role's limit, in one step.
-- The caller read the index and chose which sessions to end; if the index changed since
-- (another login or logout in between), nothing is written and the caller reads again, so
-- two logins at once can never leave more sessions than the limit (a student: one). While
-- the account is being deactivated (KEYS[2] exists) nothing is opened.
-- KEYS[1]    = attn:user:{<user_number>}:sessions (sorted set: session id -> end, epoch s)
-- KEYS[2]    = attn:user:{<user_number>}:logins-blocked
-- KEYS[3]    = the new session's key
-- KEYS[4..]  = the keys of the sessions to end
-- ARGV[1]    = now (epoch seconds): index members ending by then are dropped first
-- ARGV[2]    = the live session ids the caller read, sorted, joined by ','
-- ARGV[3]    = the new session's id
-- ARGV[4]    = the new session's JSON
-- ARGV[5]    = its TTL in seconds
-- ARGV[6]    = its end (epoch seconds), its score in the index
-- ARGV[7..]  = the ids of the sessions to end, in the order of KEYS[4..]
-- Returns 1 when opened, 0 when the index changed, -1 when logins are blocked (nothing
-- written unless 1).
if redis.call('EXISTS', KEYS[2]) == 1 then
  return -1
end
local index = KEYS[1]
redis.call('ZREMRANGEBYSCORE', index, '-inf', ARGV[1])
local live = redis.call('ZRANGE', index, 0, -1)
table.sort(live)
if table.concat(live, ',') ~= ARGV[2] then
  return 0
end
for i = 4, #KEYS do
  redis.call('DEL', KEYS[i])
  redis.call('ZREM', index, ARGV[i + 3])
end
redis.call('SET', KEYS[3], ARGV[4], 'EX', tonumber(ARGV[5]))
redis.call('ZADD', index, tonumber(ARGV[6]), ARGV[3])
if redis.call('TTL', index) < tonumber(ARGV[5]) then
  redis.call('EXPIRE', index, tonumber(ARGV[5]))  -- the index outlives every session in it
end
return 1
