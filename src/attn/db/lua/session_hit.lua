-- session_hit: read a login session and, only if the caller's token is the one it was
-- issued for, count one request against that user's rate-limit counter. Both keys carry
-- the user number's hash tag, so they live on one cluster node.
--
-- Sent whole with EVAL (not EVALSHA) because it runs inside a pipeline, where redis-py
-- would first ask the server for its script cache: one more round trip every time.
--
-- KEYS[1]  the user's session (string: UserRedis JSON)
-- KEYS[2]  the user's counter for this window (string, TTL = the window + 1 s)
-- ARGV[1]  SHA-256 of the token's secret
-- ARGV[2]  the counter's TTL in seconds
--
-- Returns {session JSON or false, requests counted in this window (0 when not counted)}.
local session = redis.call('GET', KEYS[1])
if not session then
  return {false, 0}
end
local ok, decoded = pcall(cjson.decode, session)
if not ok or type(decoded) ~= 'table' or decoded['token_hash'] ~= ARGV[1] then
  return {session, 0}
end
local count = redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], ARGV[2])
return {session, count}
