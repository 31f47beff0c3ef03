-- update_record: compare-and-set of one record (a teacher's accept / reject).
-- Python builds the new JSON from the record it read (so the model validates it); this
-- script writes it only if the record is still exactly that one, with its audit entry and
-- its live-channel event ({"count": records, "record": the new JSON}).
--
-- KEYS[1]  lesson key   (string; only tested for existence)
-- KEYS[2]  records key  (hash, student_number -> AttendanceRecordRedis JSON)
-- KEYS[3]  version key  (string, int; bumped with the write)
-- KEYS[4]  audit key    (list, AuditEntryRedis JSON)
-- KEYS[5]  events key   (stream, the live channel; capped at ARGV[5] ~)
-- ARGV[1]  student_number
-- ARGV[2]  the record JSON the caller read
-- ARGV[3]  the new record JSON
-- ARGV[4]  AuditEntryRedis JSON, or '' for none
-- ARGV[5]  the events stream's MAXLEN
--
-- Returns 'ok' | 'missing_lesson' | 'missing_record' | 'changed' (re-read and retry).
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 'missing_lesson'
end
local current = redis.call('HGET', KEYS[2], ARGV[1])
if not current then
  return 'missing_record'
end
if current ~= ARGV[2] then
  return 'changed'
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
redis.call('INCR', KEYS[3])
if ARGV[4] ~= '' then
  redis.call('RPUSH', KEYS[4], ARGV[4])
end
local count = redis.call('HLEN', KEYS[2])
redis.call('XADD', KEYS[5], 'MAXLEN', '~', ARGV[5], '*', 'event', 'record',
  'data', '{"count":' .. count .. ',"record":' .. ARGV[3] .. '}')
return 'ok'
