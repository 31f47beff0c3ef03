-- replace_session: compare-and-set of a JSON value, keeping its TTL: an admin's change of
-- the user's name or role reaching a live session, or a student's new name reaching the
-- remembered phone.
--
-- KEYS[1]  the key (string, TTL: UserRedis or RememberedDeviceRedis JSON)
-- ARGV[1]  the JSON the caller read
-- ARGV[2]  the new JSON
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
