-- give_back_rate_limit: uncount an attempt that take_rate_limit counted, once it turned
-- out not to be a failure (the right password or code). A counter whose window has ended
-- meanwhile is gone and stays gone: a bare DECR would recreate it at -1 without a TTL.
--
-- Sent whole with EVAL (not EVALSHA) because it runs inside a pipeline, where redis-py
-- would first ask the server for its script cache: one more round trip every time.
--
-- KEYS[1]  the counter (string)
--
-- Returns the count left.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
local count = redis.call('DECR', KEYS[1])
if count <= 0 then
  redis.call('DEL', KEYS[1])
  return 0
end
return count
