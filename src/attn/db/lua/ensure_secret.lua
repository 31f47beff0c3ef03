-- ensure_secret: the attendance's check-in code secret, created on first use (SET NX).
-- Only while the lesson is in Redis: a secret written for an unknown or already persisted
-- attendance would be an orphan key that nothing ever deletes.
--
-- KEYS[1]  lesson key  (string; only tested for existence)
-- KEYS[2]  secret key  (string, hex of 32 random bytes)
-- ARGV[1]  a fresh candidate secret (hex), kept only if none exists yet
--
-- Returns the secret in force (hex), or false when the lesson is not live.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return false
end
redis.call('SET', KEYS[2], ARGV[1], 'NX')
return redis.call('GET', KEYS[2])
