-- replace_session: compare-and-set of a JSON value, keeping its TTL: an admin's change of
-- the user's name or role reaching a live session, a remembered phone's rotated secret.
--
-- KEYS[1]  session key  (string, TTL: UserRedis JSON)
-- ARGV[1]  the session JSON the caller read
-- ARGV[2]  the new session JSON
--
-- Returns 'ok' | 'missing' | 'changed' (re-read and retry).
local current = redis.call('GET', KEYS[1])
if not current then
  return 'missing'
end
if current ~= ARGV[1] then
  return 'changed'
end
redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
return 'ok'
