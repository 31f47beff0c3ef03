-- renew_lease: extend a persistence lease only if this worker still holds it.
--
-- KEYS[1]  lease key (string, PX: the holder's token)
-- ARGV[1]  the worker's token
-- ARGV[2]  new time to live in milliseconds
--
-- Returns 1 when renewed, 0 when the lease expired or another worker holds it.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
