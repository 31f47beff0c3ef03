-- Extend a login session only if it is still the same login (token hash unchanged).
-- A request that authenticated with an old token must not write its session back over a
-- newer login (that would revive the replaced token).
-- KEYS[1] = attn:user:{<user_number>}:session
-- ARGV[1] = token hash the caller authenticated with
-- ARGV[2] = new session JSON
-- ARGV[3] = TTL in seconds
-- Returns 1 when refreshed, 0 when the session is gone or was replaced.
local current = redis.call('GET', KEYS[1])
if not current then
  return 0
end
if cjson.decode(current)['token_hash'] ~= ARGV[1] then
  return 0
end
redis.call('SET', KEYS[1], ARGV[2], 'EX', tonumber(ARGV[3]))
return 1
