-- delete_record: remove one record, bump the version and append the audit entry, in one
-- step. With an expected record JSON it is a compare-and-delete: the audit entry names
-- the record it removed, so it must be the record the caller read. The live channel gets
-- a 'record_deleted' event ({"count": records left, "student_number": ...}) in the step.
-- Nothing is written when no record was removed, so deleting from an attendance that
-- persistence already removed never recreates an orphan version or audit key.
--
-- KEYS[1]  records key  (hash, student_number -> AttendanceRecordRedis JSON)
-- KEYS[2]  version key  (string, int)
-- KEYS[3]  audit key    (list, AuditEntryRedis JSON)
-- KEYS[4]  events key   (stream, the live channel; capped at ARGV[4] ~)
-- ARGV[1]  student_number
-- ARGV[2]  the record JSON the caller read, or '' to delete whatever is there
-- ARGV[3]  AuditEntryRedis JSON, or '' for none
-- ARGV[4]  the events stream's MAXLEN
--
-- Returns 'deleted' | 'missing' | 'changed' (re-read and retry).
local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current then
  return 'missing'
end
if ARGV[2] ~= '' and current ~= ARGV[2] then
  return 'changed'
end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('INCR', KEYS[2])
if ARGV[3] ~= '' then
  redis.call('RPUSH', KEYS[3], ARGV[3])
end
local data = cjson.encode({count = redis.call('HLEN', KEYS[1]), student_number = ARGV[1]})
redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[4], '*', 'event', 'record_deleted',
  'data', data)
return 'deleted'
