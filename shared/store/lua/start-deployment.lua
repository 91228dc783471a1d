--[[
  Snapshot the target list and move the deployment to InProgress.
  KEYS[1] dep hash   KEYS[2] dep targets hash   KEYS[3] dep waiting list
  KEYS[4], KEYS[5] deployment and global event streams
  ARGV[1] startTime ISO   ARGV[2] health plan JSON   ARGV[3] deploymentId
  ARGV[4..] pairs: instance name, target JSON (in release order)
  Returns 1 when started, 0 when the deployment was not Created/Queued (someone else started it).
]]
local status = redis.call("HGET", KEYS[1], "status")
if status ~= "Created" and status ~= "Queued" then return 0 end
redis.call("DEL", KEYS[2], KEYS[3])
local n = 0
for i = 4, #ARGV, 2 do
  redis.call("HSET", KEYS[2], ARGV[i], ARGV[i + 1])
  redis.call("RPUSH", KEYS[3], ARGV[i])
  n = n + 1
end
redis.call("HSET", KEYS[1], "status", "InProgress", "startTime", ARGV[1], "plan", ARGV[2], "Pending", n)
redis.call("HINCRBY", KEYS[1], "rev", 1)
emit({type = "DeploymentStatus", deploymentId = ARGV[3], status = "InProgress", previousStatus = status})
return 1
