-- Logout: delete a login session only if it is still the login the caller holds, and its
-- id from the user's index. (The key is named by the token's hash, so another login has
-- another key; the comparison guards against an unreadable or foreign value.)
-- KEYS[1] = attn:user:{<user_number>}:session:<id>
-- KEYS[2] = attn:user:{<user_number>}:sessions
-- ARGV[1] = token hash the caller authenticated with
-- ARGV[2] = the session's id
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
redis.call('ZREM', KEYS[2], ARGV[2])
return 1
