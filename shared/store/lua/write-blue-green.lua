--[[
  Compare-and-set a blue/green deployment's own record (phase, weights, step history, alarm
  evaluations), optionally moving the deployment's status with it (InProgress ⇄ Ready).
  KEYS[1] dep hash   KEYS[2], KEYS[3] deployment and global event streams
  ARGV[1] expected blue/green version ("" = none stored yet)   ARGV[2] new blue/green JSON
  ARGV[3] comma-separated statuses the deployment may be in   ARGV[4] new status ("" = unchanged)
  ARGV[5] JSON array of the events this change produces (a status change adds its own)
  Returns 1, or 0 when the version or status differs (the caller re-reads and decides again).
]]
local status = redis.call("HGET", KEYS[1], "status")
local allowed = false
for s in string.gmatch(ARGV[3], "[^,]+") do if s == status then allowed = true end end
if not allowed then return 0 end
local stored = redis.call("HGET", KEYS[1], "blueGreen")
local version = stored and tostring(cjson.decode(stored).version) or ""
if version ~= ARGV[1] then return 0 end
redis.call("HSET", KEYS[1], "blueGreen", ARGV[2])
for _, event in ipairs(cjson.decode(ARGV[5])) do emit(event) end
if ARGV[4] ~= "" and ARGV[4] ~= status then
  redis.call("HSET", KEYS[1], "status", ARGV[4])
  redis.call("HINCRBY", KEYS[1], "rev", 1)
  local spec = cjson.decode(redis.call("HGET", KEYS[1], "spec"))
  emit({type = "DeploymentStatus", deploymentId = spec.deploymentId, status = ARGV[4], previousStatus = status})
end
return 1
