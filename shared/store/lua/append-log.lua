--[[
  Append one report's script output exactly once, to the log of each lifecycle event it belongs
  to: an agent that retries a report sends the same sequence number again and nothing is
  appended twice. Each event's log is capped: past the cap its oldest lines are dropped and the
  number of bytes dropped is kept (readers note the drop, and a follower's offsets stay valid:
  offset = dropped + position in the string). Each append is announced on the deployment's log
  stream (instance, event, end offset, length; no text) for live followers. Every key written
  gets the retention TTL, counted from the last append.
  KEYS[1] last sequence number seen for this command
  KEYS[2] the deployment's dropped-bytes hash (field "<instance> <event>")
  KEYS[3] the deployment's log stream
  KEYS[4..] one log string per segment, in the order of the ARGV pairs
  ARGV[1] sequence number   ARGV[2] cap in bytes per event log   ARGV[3] retention in seconds
  ARGV[4] instance name     ARGV[5..] pairs: lifecycle event name, text
  Returns 1 when appended, 0 for a repeat.
]]
local last = tonumber(redis.call("GET", KEYS[1]) or "0")
if tonumber(ARGV[1]) <= last then return 0 end
local cap = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])
local instance = ARGV[4]
redis.call("SET", KEYS[1], ARGV[1], "EX", ttl)

local segment = 0
for i = 5, #ARGV, 2 do
  segment = segment + 1
  local key = KEYS[3 + segment]
  local event = ARGV[i]
  local text = ARGV[i + 1]
  local field = instance .. " " .. event
  local length = redis.call("APPEND", key, text)
  local dropped = tonumber(redis.call("HGET", KEYS[2], field) or "0")
  if length > cap then
    -- Keep the newest three quarters of the cap, starting at a line boundary when there is one nearby.
    local cut = length - math.floor(cap * 3 / 4)
    local ahead = redis.call("GETRANGE", key, cut, cut + 4095)
    local newline = string.find(ahead, "\n", 1, true)
    if newline then cut = cut + newline end
    redis.call("SET", key, redis.call("GETRANGE", key, cut, -1))
    dropped = redis.call("HINCRBY", KEYS[2], field, cut)
    length = length - cut
  end
  redis.call("EXPIRE", key, ttl)
  redis.call("XADD", KEYS[3], "MAXLEN", "~", 10000, "*", "i", instance, "e", event, "o", dropped + length, "n", string.len(text))
end
redis.call("EXPIRE", KEYS[2], ttl)
redis.call("EXPIRE", KEYS[3], ttl)
return 1
