-- Resume: rotate a remembered phone's secret and open the new session in one step
-- (services/accounts/remember.py). The caller read the credential and the session index,
-- checked the credential (family, expiry, secret, device) and chose the sessions to end;
-- nothing is written unless both are still exactly as read. Two uses of one secret at
-- once: the first rotates it, the second finds the credential changed, reads it again and
-- sees its secret among the used ones (a replay).
-- KEYS[1]    = attn:user:{<user_number>}:remembered (string, TTL kept)
-- KEYS[2]    = attn:user:{<user_number>}:sessions (sorted set: session id -> end, epoch s)
-- KEYS[3]    = the new session's key
-- KEYS[4..]  = the keys of the sessions to end
-- ARGV[1]    = the credential JSON the caller read and checked
-- ARGV[2]    = the rotated credential JSON
-- ARGV[3]    = now (epoch seconds): index members ending by then are dropped first
-- ARGV[4]    = the live session ids the caller read, sorted, joined by ','
-- ARGV[5]    = the new session's id
-- ARGV[6]    = the new session's JSON
-- ARGV[7]    = its TTL in seconds
-- ARGV[8]    = its end (epoch seconds), its score in the index
-- ARGV[9..]  = the ids of the sessions to end, in the order of KEYS[4..]
-- Returns 'ok' | 'changed' (the credential is not as read) | 'index' (the index changed);
-- nothing is written unless 'ok'.
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 'changed'
end
local index = KEYS[2]
redis.call('ZREMRANGEBYSCORE', index, '-inf', ARGV[3])
local live = redis.call('ZRANGE', index, 0, -1)
table.sort(live)
if table.concat(live, ',') ~= ARGV[4] then
  return 'index'
end
redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
for i = 4, #KEYS do
  redis.call('DEL', KEYS[i])
  redis.call('ZREM', index, ARGV[i + 5])
end
redis.call('SET', KEYS[3], ARGV[6], 'EX', tonumber(ARGV[7]))
redis.call('ZADD', index, tonumber(ARGV[8]), ARGV[5])
if redis.call('TTL', index) < tonumber(ARGV[7]) then
  redis.call('EXPIRE', index, tonumber(ARGV[7]))  -- the index outlives every session in it
end
return 'ok'
