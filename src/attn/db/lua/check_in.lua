-- check_in: a student's check-in as one atomic step (DESIGN §1, §3).
-- Reads the lesson, refuses it unless open, then writes the record only if the rules allow:
-- a teacher's decision is never overwritten, a good record is never duplicated or replaced,
-- a rejected self check-in (a failed check) is replaced and its attempts counted.
--
-- KEYS[1]  lesson key   (string, LessonRedis JSON)
-- KEYS[2]  records key  (hash, student_number -> AttendanceRecordRedis JSON)
-- KEYS[3]  version key  (string, int; bumped by every write)
-- ARGV[1]  student_number
-- ARGV[2]  the new AttendanceRecordRedis JSON
-- ARGV[3]  now, fixed-width UTC string (same format as the lesson's datetimes)
--
-- Returns {code, record JSON}:
--   {'created', new}  |  {'replaced', new with attempt_count = old + 1}  |  {'kept', existing}
--   refusals, nothing written: {'missing'} | {'deleted'} | {'finished'} | {'not_started'}
--   | {'ended'}

-- Byte-wise "a < b": Lua's < on strings uses strcoll, i.e. the server's LC_COLLATE.
local function before(a, b)
  local n = math.min(#a, #b)
  for i = 1, n do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then
      return x < y
    end
  end
  return #a < #b
end

local function present(value)
  return value ~= nil and value ~= cjson.null
end

local raw_lesson = redis.call('GET', KEYS[1])
if not raw_lesson then
  return {'missing'}
end
local lesson = cjson.decode(raw_lesson)
if present(lesson.deleted_at) then
  return {'deleted'}
end
if present(lesson.finished_at) then
  return {'finished'}
end
local now = ARGV[3]
if before(now, lesson.starts_at) then
  return {'not_started'}
end
if not before(now, lesson.ends_at) then
  return {'ended'}
end

local existing = redis.call('HGET', KEYS[2], ARGV[1])
if existing then
  local old = cjson.decode(existing)
  if old.decided_by ~= 'self' or old.status ~= 'rejected' then
    return {'kept', existing}
  end
  -- Records hold no arrays, so a cjson round trip keeps them intact.
  local new = cjson.decode(ARGV[2])
  new.attempt_count = (tonumber(old.attempt_count) or 1) + 1
  local encoded = cjson.encode(new)
  redis.call('HSET', KEYS[2], ARGV[1], encoded)
  redis.call('INCR', KEYS[3])
  return {'replaced', encoded}
end

redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('INCR', KEYS[3])
return {'created', ARGV[2]}
