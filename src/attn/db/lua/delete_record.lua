-- delete_record: remove one record and bump the version in the same step.
-- The version is bumped only when a record was removed, so deleting from an attendance
-- that persistence already removed never recreates an orphan version key.
--
-- KEYS[1]  records key  (hash, student_number -> AttendanceRecordRedis JSON)
-- KEYS[2]  version key  (string, int)
-- ARGV[1]  student_number
--
-- Returns 1 when a record was removed, else 0.
if redis.call('HDEL', KEYS[1], ARGV[1]) == 1 then
  redis.call('INCR', KEYS[2])
  return 1
end
return 0
