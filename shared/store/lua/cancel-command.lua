--[[
  Ask the agent to stop one open command (it kills the running hook's whole process group):
  compare-and-set of the command record, then wake the instance's waiting poll so it hears now.
  KEYS[1] command key
  ARGV[1] the record as read (JSON)   ARGV[2] the record with cancelRequested (JSON)
  ARGV[3] wake channel   ARGV[4] instance name
  Returns 1 when marked, 0 when the record changed since it was read (re-read and decide again).
  No deployment event: the stop request itself was recorded (request-stop.lua).
]]
if redis.call("GET", KEYS[1]) ~= ARGV[1] then return 0 end
redis.call("SET", KEYS[1], ARGV[2])
redis.call("PUBLISH", ARGV[3], ARGV[4])
return 1
