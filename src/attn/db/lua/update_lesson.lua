-- update_lesson: compare-and-set of a lesson's JSON (finish, soft delete), with the
-- change's audit entry and its live-channel event appended in the same step.
-- Python builds the new JSON (so the model validates it); this script guarantees it was
-- built from the current state and refuses lessons in a state the caller forbids.
--
-- KEYS[1]  lesson key   (string, LessonRedis JSON)
-- KEYS[2]  version key  (string, int; bumped with the write)
-- KEYS[3]  audit key    (list, AuditEntryRedis JSON)
-- KEYS[4]  events key   (stream, the live channel; capped at ARGV[8] ~)
-- ARGV[1]  the lesson JSON the caller read
-- ARGV[2]  the new lesson JSON
-- ARGV[3]  '1' to refuse a finished lesson
-- ARGV[4]  '1' to refuse a soft-deleted lesson
-- ARGV[5]  AuditEntryRedis JSON, or '' for none
-- ARGV[6]  the event's name ('finished', 'deleted')
-- ARGV[7]  the event's data JSON
-- ARGV[8]  the events stream's MAXLEN
--
-- Returns 'ok' | 'missing' | 'deleted' | 'finished' | 'changed' (re-read and retry).
local current = redis.call('GET', KEYS[1])
if not current then
  return 'missing'
end
local lesson = cjson.decode(current)
local function present(value)
  return value ~= nil and value ~= cjson.null
end
if ARGV[4] == '1' and present(lesson.deleted_at) then
  return 'deleted'
end
if ARGV[3] == '1' and present(lesson.finished_at) then
  return 'finished'
end
if current ~= ARGV[1] then
  return 'changed'
end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('INCR', KEYS[2])
if ARGV[5] ~= '' then
  redis.call('RPUSH', KEYS[3], ARGV[5])
end
redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[8], '*', 'event', ARGV[6], 'data', ARGV[7])
return 'ok'
