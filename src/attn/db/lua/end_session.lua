-- Logout: delete a login session only if it is still the login the caller holds.
-- A logout that authenticated just before a new login on another device must not end
-- that newer session (one session per user: the new login replaced the old one).
-- KEYS[1] = attn:user:{<user_number>}:session
-- ARGV[1] = token hash the caller authenticated with
-- Returns 1 when deleted, 0 when the session is gone or belongs to another login.
local current = redis.call('GET', KEYS[1])
if not current then
  return 0
end
local ok, decoded = pcall(cjson.decode, current)
if ok and type(decoded) == 'table' and decoded['token_hash'] ~= ARGV[1] then
  return 0
end
redis.call('DEL', KEYS[1])
return 1
