-- create_lesson: store a new attendance's lesson, refusing an id that already exists.
-- SET NX and the version bump happen in one step, so the version key is never missing
-- for a lesson that exists; the audit entry of the start, the live channel's 'started'
-- event and a course's roster copy go in the same step (so no check-in can meet a course
-- lesson without its roster).
--
-- KEYS[1]  lesson key   (string, LessonRedis JSON)
-- KEYS[2]  version key  (string, int)
-- KEYS[3]  audit key    (list, AuditEntryRedis JSON)
-- KEYS[4]  events key   (stream, the live channel; capped at ARGV[4] ~)
-- KEYS[5]  roster key   (hash, student_number -> full name; written for a course's lesson)
-- ARGV[1]  LessonRedis JSON
-- ARGV[2]  AuditEntryRedis JSON of the start, or '' for none
-- ARGV[3]  the 'started' event's data JSON
-- ARGV[4]  the events stream's MAXLEN
-- ARGV[5]  the roster as a JSON array [number, name, number, name, ...], or '' for none
--
-- Returns 1 when created, 0 when the lesson already existed (nothing written).
if redis.call('SET', KEYS[1], ARGV[1], 'NX') then
  redis.call('INCR', KEYS[2])
  if ARGV[2] ~= '' then
    redis.call('RPUSH', KEYS[3], ARGV[2])
  end
  if ARGV[5] ~= '' then
    local pairs_ = cjson.decode(ARGV[5])
    redis.call('DEL', KEYS[5])
    for i = 1, #pairs_, 1000 do
      redis.call('HSET', KEYS[5], unpack(pairs_, i, math.min(i + 999, #pairs_)))
    end
  end
  redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[4], '*', 'event', 'started', 'data', ARGV[3])
  return 1
end
return 0
