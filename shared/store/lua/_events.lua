--[[
  Prelude of every script: `emit` appends one deployment event to the deployment's stream and to
  the global stream (both the last two KEYS of every script), stamped with Redis' clock.
  Streams are capped (approximately) so they cannot grow without bound.
]]
local DEPLOYMENT_EVENTS = KEYS[#KEYS - 1]
local ALL_EVENTS = KEYS[#KEYS]
local function emit(event)
  if type(event) == "string" then event = cjson.decode(event) end
  local now = redis.call("TIME")
  event.at = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
  local json = cjson.encode(event)
  redis.call("XADD", DEPLOYMENT_EVENTS, "MAXLEN", "~", 10000, "*", "e", json)
  redis.call("XADD", ALL_EVENTS, "MAXLEN", "~", 100000, "*", "e", json)
end
