-- Open a login session, ending the user's oldest ones beyond the role's limit, in one step.
-- The caller read the index and chose which sessions to end; if the index changed since
-- (another login or logout in between), nothing is written and the caller reads again, so
-- two logins at once can never leave more sessions than the limit (a student: one).
-- KEYS[1]    = attn:user:{<user_number>}:sessions (sorted set: session id -> end, epoch s)
-- KEYS[2]    = the new session's key
-- KEYS[3..]  = the keys of the sessions to end
-- ARGV[1]    = now (epoch seconds): index members ending by then are dropped first
-- ARGV[2]    = the live session ids the caller read, sorted, joined by ','
-- ARGV[3]    = the new session's id
-- ARGV[4]    = the new session's JSON
-- ARGV[5]    = its TTL in seconds
-- ARGV[6]    = its end (epoch seconds), its score in the index
-- ARGV[7..]  = the ids of the sessions to end, in the order of KEYS[3..]
-- Returns 1 when opened, 0 when the index changed (nothing written).
local index = KEYS[1]
redis.call('ZREMRANGEBYSCORE', index, '-inf', ARGV[1])
local live = redis.call('ZRANGE', index, 0, -1)
table.sort(live)
if table.concat(live, ',') ~= ARGV[2] then
  return 0
end
for i = 3, #KEYS do
  redis.call('DEL', KEYS[i])
  redis.call('ZREM', index, ARGV[i + 4])
end
redis.call('SET', KEYS[2], ARGV[4], 'EX', tonumber(ARGV[5]))
redis.call('ZADD', index, tonumber(ARGV[6]), ARGV[3])
if redis.call('TTL', index) < tonumber(ARGV[5]) then
  redis.call('EXPIRE', index, tonumber(ARGV[5]))  -- the index outlives every session in it
end
return 1
