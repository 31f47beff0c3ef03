-- take_rate_limit: count one attempt in a fixed-window counter only if it is still under
-- its limit, in one atomic step. Checking the count and then counting in two commands let
-- concurrent attempts all pass the check before any of them was counted.
--
-- Sent whole with EVAL (not EVALSHA) because it runs inside a pipeline, where redis-py
-- would first ask the server for its script cache: one more round trip every time.
--
-- KEYS[1]  the counter (string, TTL = the window + 1 s)
-- ARGV[1]  the limit: attempts allowed in this window
-- ARGV[2]  the TTL in seconds, set again on every attempt counted
--
-- Returns the count with this attempt, or 0 when the limit is reached (nothing counted).
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count >= tonumber(ARGV[1]) then
  return 0
end
count = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return count
