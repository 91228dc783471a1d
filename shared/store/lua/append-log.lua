--[[
  Append a chunk of script output exactly once: an agent that retries a report sends the same
  sequence number again, and the chunk is not appended twice. Past the cap the oldest part of
  the log is dropped and the drop is noted at its head.
  KEYS[1] log string   KEYS[2] last sequence number seen for this command
  ARGV[1] sequence number   ARGV[2] text   ARGV[3] cap in bytes
  Returns 1 when appended, 0 for a repeat.
]]
local last = tonumber(redis.call("GET", KEYS[2]) or "0")
if tonumber(ARGV[1]) <= last then return 0 end
redis.call("SET", KEYS[2], ARGV[1])
local length = redis.call("APPEND", KEYS[1], ARGV[2])
local cap = tonumber(ARGV[3])
if length > cap then
  local keep = math.floor(cap * 3 / 4)
  local tail = redis.call("GETRANGE", KEYS[1], length - keep, -1)
  redis.call("SET", KEYS[1], "[cutover: earlier output dropped; the log is capped at " .. cap .. " bytes]\n" .. tail)
end
return 1
