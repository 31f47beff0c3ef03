-- hit_rate_limit: count one request in a fixed-window rate-limit counter.
-- One command per counter instead of INCR + EXPIRE, and the counter can no longer be left
-- without its TTL.
--
-- Sent whole with EVAL (not EVALSHA) because it runs inside a pipeline, where redis-py
-- would first ask the server for its script cache: one more round trip every time.
--
-- KEYS[1]  the counter (string, TTL = the window + 1 s)
-- ARGV[1]  the TTL in seconds, set again on every hit
--
-- Returns the number of requests counted in this window, this one included.
local count = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[1])
return count
