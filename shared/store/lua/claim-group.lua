--[[
  Take the deployment group's single active slot, or wait in its queue (one active deployment
  per group; later ones are Queued and start in order).
  KEYS[1] group lock (string: active deployment id)   KEYS[2] group queue (list)   KEYS[3] dep hash
  KEYS[4], KEYS[5] deployment and global event streams
  ARGV[1] deploymentId
  Returns "active" (this deployment holds the slot), "queued", or "gone" (not Created/Queued any more).
]]
local status = redis.call("HGET", KEYS[3], "status")
if status ~= "Created" and status ~= "Queued" then return "gone" end
local holder = redis.call("GET", KEYS[1])
if holder == ARGV[1] then return "active" end
if not holder then
  redis.call("SET", KEYS[1], ARGV[1])
  redis.call("LREM", KEYS[2], 0, ARGV[1])
  return "active"
end
if status == "Created" then
  redis.call("HSET", KEYS[3], "status", "Queued")
  redis.call("HINCRBY", KEYS[3], "rev", 1)
  redis.call("RPUSH", KEYS[2], ARGV[1])
  emit({type = "DeploymentStatus", deploymentId = ARGV[1], status = "Queued", previousStatus = "Created"})
end
return "queued"
