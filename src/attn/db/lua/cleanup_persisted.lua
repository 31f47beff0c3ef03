-- cleanup_persisted: after the database commit, remove an attendance from Redis, but only
-- while the worker still holds the lease and nothing changed since its snapshot
-- (docs/design.md#cleanup-after-the-commit). Index entries live in other slots; the
-- caller removes them after, and a tombstone naming them is left in the same step, so a
-- crash before that removal leaves the next run enough to finish it (the due entry is
-- removed last).
--
-- KEYS[1]   lease key      (string, PX: the holder's token)
-- KEYS[2]   version key    (string, int; a missing key counts as 0)
-- KEYS[3]   tombstone key  (string, EX: JSON of the attendance's index keys)
-- KEYS[4..] every per-attendance key to delete (keys.attendance_keys)
-- ARGV[1]   the worker's lease token
-- ARGV[2]   the version the worker persisted
-- ARGV[3]   the tombstone JSON
-- ARGV[4]   the tombstone's TTL in seconds
--
-- Returns 'deleted' | 'lease_lost' | 'changed' (nothing deleted: persist again).
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 'lease_lost'
end
local current = redis.call('GET', KEYS[2]) or '0'
if current ~= ARGV[2] then
  return 'changed'
end
for i = 4, #KEYS do
  redis.call('DEL', KEYS[i])
end
redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[3], ARGV[3], 'EX', tonumber(ARGV[4]))
return 'deleted'
