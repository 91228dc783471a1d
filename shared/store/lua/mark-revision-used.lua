--[[
  Record that a deployment used a revision: its first and last use (ISO times, which sort as
  text). Idempotent: the same deployment marking again changes nothing, and an older mark
  arriving late never moves lastUsedTime back or firstUsedTime forward.
  KEYS[1] the application's revision-use hash (fields "first:<digest>", "last:<digest>")
  ARGV[1] digest   ARGV[2] time used (ISO)
  Returns 1. No deployment event: this is catalog bookkeeping.
]]
local first = "first:" .. ARGV[1]
local last = "last:" .. ARGV[1]
local f = redis.call("HGET", KEYS[1], first)
if not f or ARGV[2] < f then redis.call("HSET", KEYS[1], first, ARGV[2]) end
local l = redis.call("HGET", KEYS[1], last)
if not l or ARGV[2] > l then redis.call("HSET", KEYS[1], last, ARGV[2]) end
return 1
