-- release_lease: drop a persistence lease only if this worker still holds it
-- (never another worker's lease taken over after ours expired).
--
-- KEYS[1]  lease key (string, PX: the holder's token)
-- ARGV[1]  the worker's token
--
-- Returns 1 when released, else 0.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
