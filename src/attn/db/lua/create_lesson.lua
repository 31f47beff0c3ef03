-- create_lesson: store a new attendance's lesson, refusing an id that already exists.
-- SET NX and the version bump happen in one step, so the version key is never missing
-- for a lesson that exists.
--
-- KEYS[1]  lesson key   (string, LessonRedis JSON)
-- KEYS[2]  version key  (string, int)
-- ARGV[1]  LessonRedis JSON
--
-- Returns 1 when created, 0 when the lesson already existed (nothing written).
if redis.call('SET', KEYS[1], ARGV[1], 'NX') then
  redis.call('INCR', KEYS[2])
  return 1
end
return 0
