-- change_roster: bring a live course attendance's roster copy up to date, with the live
-- channel's 'roster' event of what changed in the same step (the live list's "not checked
-- in yet"). A finished or deleted attendance is left alone: its absences are read from the
-- SQL roster at its finish time, and no check-in reads the copy any more.
--
-- KEYS[1]  lesson key   (string, LessonRedis JSON)
-- KEYS[2]  roster key   (hash, student_number -> full name)
-- KEYS[3]  events key   (stream, the live channel; capped at ARGV[4] ~)
-- ARGV[1]  'change': add ARGV[2], remove ARGV[3]; 'replace': the roster is ARGV[2] exactly
-- ARGV[2]  students to add (or the whole roster): JSON array [number, name, ...]
-- ARGV[3]  numbers to remove: JSON array (ignored by 'replace')
-- ARGV[4]  the events stream's MAXLEN
--
-- Returns 'missing' | 'closed' | 'unchanged' | 'changed'.
local raw_lesson = redis.call('GET', KEYS[1])
if not raw_lesson then
  return 'missing'
end
local lesson = cjson.decode(raw_lesson)
local function present(value)
  return value ~= nil and value ~= cjson.null
end
if present(lesson.finished_at) or present(lesson.deleted_at) then
  return 'closed'
end

local wanted = cjson.decode(ARGV[2])
local added, removed = {}, {}
local keep = {}
for i = 1, #wanted, 2 do
  local number, name = wanted[i], wanted[i + 1]
  keep[number] = true
  if redis.call('HGET', KEYS[2], number) ~= name then
    redis.call('HSET', KEYS[2], number, name)
    table.insert(added, {student_number = number, full_name = name})
  end
end
local gone = {}
if ARGV[1] == 'replace' then
  local current = redis.call('HKEYS', KEYS[2])
  for _, number in ipairs(current) do
    if not keep[number] then
      table.insert(gone, number)
    end
  end
else
  gone = cjson.decode(ARGV[3])
end
for _, number in ipairs(gone) do
  if redis.call('HDEL', KEYS[2], number) == 1 then
    table.insert(removed, number)
  end
end
if #added == 0 and #removed == 0 then
  return 'unchanged'
end

local function array(list)
  if #list == 0 then
    return '[]'
  end
  return cjson.encode(list)
end
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[4], '*', 'event', 'roster',
  'data', '{"added":' .. array(added) .. ',"removed":' .. array(removed) ..
  ',"size":' .. redis.call('HLEN', KEYS[2]) .. '}')
return 'changed'
