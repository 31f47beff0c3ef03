-- save_record: write a record unconditionally (a teacher adding or editing one by hand),
-- but only while the attendance is still in Redis: after persistence removed it, a late
-- write would leave a records hash that nothing ever persists or deletes.
--
-- KEYS[1]  lesson key   (string; only tested for existence)
-- KEYS[2]  records key  (hash, student_number -> AttendanceRecordRedis JSON)
-- KEYS[3]  version key  (string, int; bumped with the write)
-- ARGV[1]  student_number
-- ARGV[2]  AttendanceRecordRedis JSON
--
-- Returns 1 when written, 0 when the lesson is missing (nothing written).
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('INCR', KEYS[3])
return 1
