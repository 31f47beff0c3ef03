-- check_in: a student's check-in as one atomic step (its place among the checks:
-- docs/design.md#check-in-checks; the record rules it keeps: docs/design.md#statuses).
-- Reads the lesson, refuses it unless open, then writes the record only if the rules allow:
-- a teacher's decision is never overwritten, a good record is never duplicated or replaced,
-- a rejected self check-in (a failed check) is replaced and its attempts counted.
--
-- Every write appends its event to the live channel's stream in the same step
-- ({"count": records, "record": the stored JSON}), so a listener never misses a check-in
-- and never sees one that was not stored; a refusal or a kept record appends nothing.
--
-- A course's lesson (course_id set) takes check-ins of the students on its roster copy
-- (KEYS[5]) only: anyone else's attempt is stored as 'rejected' with ARGV[5] (not
-- enrolled), before any device claim, so the teacher sees it and may accept a walk-in.
--
-- With the device check (KEYS[6], KEYS[7], ARGV[6], ARGV[7] all given), the device claim is
-- part of the same step, so two students racing on one phone cannot both pass: a record
-- that passed every other check (status not 'rejected') claims the device if it is free,
-- keeps it if the student already holds it, and is turned into 'rejected' with ARGV[5] if
-- another student holds it. A record rejected by another check claims nothing. Every
-- attempt that is written is remembered per device, holder first, for the teacher's view.
--
-- KEYS[1]  lesson key           (string, LessonRedis JSON)
-- KEYS[2]  records key          (hash, student_number -> AttendanceRecordRedis JSON)
-- KEYS[3]  version key          (string, int; bumped by every write)
-- KEYS[4]  events key           (stream, the live channel; capped at ARGV[4] ~)
-- KEYS[5]  roster key           (hash, student_number -> full name; read for a course's lesson)
-- KEYS[6]  devices key          (optional; hash, device_id -> student_number holding it)
-- KEYS[7]  device attempts key  (optional; hash, device_id -> JSON array of the students
--                                who tried it, the holder first)
-- ARGV[1]  student_number
-- ARGV[2]  the new AttendanceRecordRedis JSON
-- ARGV[3]  now, fixed-width UTC string (same format as the lesson's datetimes)
-- ARGV[4]  the events stream's MAXLEN
-- ARGV[5]  fail_reason of a student not on the roster
-- ARGV[6]  device_id                     (with KEYS[6..7])
-- ARGV[7]  fail_reason of a shared device (with KEYS[6..7])
--
-- Returns {code, record JSON}:
--   {'created', new}  |  {'replaced', new with attempt_count = old + 1}  |  {'kept', existing}
--   refusals, nothing written: {'missing'} | {'deleted'} | {'finished'} | {'not_started'}
--   | {'ended'}
-- A kept record means nothing was written at all (no device claim, no attempt noted).

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

-- Remember that `student` tried `device`; the holder (if any) stays first in the list.
local function note_attempt(key, device, holder, student)
  local raw = redis.call('HGET', key, device)
  local tried = {}
  if raw then
    tried = cjson.decode(raw)
  end
  local changed = false
  if holder and tried[1] ~= holder then
    for i = #tried, 1, -1 do
      if tried[i] == holder then
        table.remove(tried, i)
      end
    end
    table.insert(tried, 1, holder)
    changed = true
  end
  local seen = false
  for _, name in ipairs(tried) do
    if name == student then
      seen = true
      break
    end
  end
  if not seen then
    table.insert(tried, student)
    changed = true
  end
  if changed then
    redis.call('HSET', key, device, cjson.encode(tried))
  end
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

local student = ARGV[1]
local old = nil
local existing = redis.call('HGET', KEYS[2], student)
if existing then
  old = cjson.decode(existing)
  if old.decided_by ~= 'self' or old.status ~= 'rejected' then
    return {'kept', existing}
  end
end

-- Records hold no arrays, so a cjson round trip keeps them intact. The plain first
-- check-in (no device, nothing replaced) stores the JSON exactly as given.
local new = nil
if present(lesson.course_id) and redis.call('HEXISTS', KEYS[5], student) == 0 then
  new = cjson.decode(ARGV[2])
  new.status = 'rejected'
  new.fail_reason = ARGV[5]
end
if #KEYS >= 7 then
  local device = ARGV[6]
  new = new or cjson.decode(ARGV[2])
  local holder = redis.call('HGET', KEYS[6], device)
  if new.status ~= 'rejected' then
    if not holder then
      redis.call('HSET', KEYS[6], device, student)
      holder = student
    elseif holder ~= student then
      new.status = 'rejected'
      new.fail_reason = ARGV[7]
    end
  end
  note_attempt(KEYS[7], device, holder or nil, student)
end
if old then
  new = new or cjson.decode(ARGV[2])
  new.attempt_count = (tonumber(old.attempt_count) or 1) + 1
end

local encoded = ARGV[2]
if new then
  encoded = cjson.encode(new)
end
redis.call('HSET', KEYS[2], student, encoded)
redis.call('INCR', KEYS[3])
local count = redis.call('HLEN', KEYS[2])
redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[4], '*', 'event', 'record',
  'data', '{"count":' .. count .. ',"record":' .. encoded .. '}')
if old then
  return {'replaced', encoded}
end
return {'created', encoded}
