-- Extend a login session only if it is still the same login (token hash unchanged).
-- A request that authenticated with an old token must not write its session back over a
-- newer login (that would revive the replaced token), and a request that read the session
-- before an admin changed the user's name or role must not write the old ones back: the
-- write happens only while the session is exactly the one the caller read.
-- KEYS[1] = attn:user:{<user_number>}:session:<id>
-- KEYS[2] = attn:user:{<user_number>}:sessions (its score: the session's new end)
-- ARGV[1] = token hash the caller authenticated with
-- ARGV[2] = new session JSON
-- ARGV[3] = TTL in seconds
-- ARGV[4] = the session JSON the caller read
-- ARGV[5] = the session's id
-- ARGV[6] = its new end (epoch seconds)
-- Returns 1 when refreshed or still this login (changed meanwhile: not extended this
-- time), 0 when the session is gone or was replaced.
local current = redis.call('GET', KEYS[1])
if not current then
  return 0
end
if current ~= ARGV[4] then
  return cjson.decode(current)['token_hash'] == ARGV[1] and 1 or 0
end
if cjson.decode(current)['token_hash'] ~= ARGV[1] then
  return 0
end
redis.call('SET', KEYS[1], ARGV[2], 'EX', tonumber(ARGV[3]))
redis.call('ZADD', KEYS[2], 'XX', tonumber(ARGV[6]), ARGV[5])
if redis.call('TTL', KEYS[2]) < tonumber(ARGV[3]) then
  redis.call('EXPIRE', KEYS[2], tonumber(ARGV[3]))  -- the index outlives every session in it
end
return 1
