--[[
  Snapshot the target list and move the deployment to InProgress.
  KEYS[1] dep hash   KEYS[2] dep targets hash   KEYS[3] dep waiting list
  KEYS[4], KEYS[5] deployment and global event streams
  ARGV[1] startTime ISO   ARGV[2] health plan JSON   ARGV[3] deploymentId
  ARGV[4] blue/green record JSON ("" = in place)   ARGV[5] n, how many of the targets wait to be released
  ARGV[6..] pairs: instance name, target JSON; the first n pairs, in release order, go on the waiting list
  (a blue/green deployment's original pool is released by phase, not by the window)
  Returns 1 when started, 0 when the deployment was not Created/Queued (someone else started it).
]]
local status = redis.call("HGET", KEYS[1], "status")
if status ~= "Created" and status ~= "Queued" then return 0 end
redis.call("DEL", KEYS[2], KEYS[3])
local n = 0
local waiting = tonumber(ARGV[5])
for i = 6, #ARGV, 2 do
  redis.call("HSET", KEYS[2], ARGV[i], ARGV[i + 1])
  if n < waiting then redis.call("RPUSH", KEYS[3], ARGV[i]) end
  n = n + 1
end
redis.call("HSET", KEYS[1], "status", "InProgress", "startTime", ARGV[1], "plan", ARGV[2], "Pending", n)
if ARGV[4] ~= "" then redis.call("HSET", KEYS[1], "blueGreen", ARGV[4]) end
redis.call("HINCRBY", KEYS[1], "rev", 1)
emit({type = "DeploymentStatus", deploymentId = ARGV[3], status = "InProgress", previousStatus = status})
return 1
