-- save_record: write a record unconditionally (a teacher adding or editing one by hand),
-- but only while the attendance is still in Redis: after persistence removed it, a late
-- write would leave a records hash that nothing ever persists or deletes. The change's
-- audit entry and its live-channel event ({"count": records, "record": the JSON}) are
-- appended in the same step, so none exists without the others.
--
-- KEYS[1]  lesson key   (string; only tested for existence)
-- KEYS[2]  records key  (hash, student_number -> AttendanceRecordRedis JSON)
-- KEYS[3]  version key  (string, int; bumped with the write)
-- KEYS[4]  audit key    (list, AuditEntryRedis JSON)
-- KEYS[5]  events key   (stream, the live channel; capped at ARGV[4] ~)
-- ARGV[1]  student_number
-- ARGV[2]  AttendanceRecordRedis JSON
-- ARGV[3]  AuditEntryRedis JSON, or '' for none
-- ARGV[4]  the events stream's MAXLEN
--
-- Returns 1 when written, 0 when the lesson is missing (nothing written).
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('INCR', KEYS[3])
if ARGV[3] ~= '' then
  redis.call('RPUSH', KEYS[4], ARGV[3])
end
local count = redis.call('HLEN', KEYS[2])
redis.call('XADD', KEYS[5], 'MAXLEN', '~', ARGV[4], '*', 'event', 'record',
  'data', '{"count":' .. count .. ',"record":' .. ARGV[2] .. '}')
return 1
