--[[
  End a deployment and hand its group's slot to the next queued deployment, and record it as the
  group's last attempted (and last successful) deployment. A deployment stopped before it started
  was never attempted. With the hold flag the deployment keeps the slot: its automatic rollback is
  decided next (settle-rollback.lua), and must run before anything queued behind it.
  KEYS[1] dep hash   KEYS[2] deps:active set   KEYS[3] group lock   KEYS[4] group queue
  KEYS[5] rollbacks-pending set   KEYS[6] group-last hash
  KEYS[7], KEYS[8] deployment and global event streams
  ARGV[1] deploymentId   ARGV[2] comma-separated statuses it may close from
  ARGV[3] expected rev ("" = any)   ARGV[4] final status   ARGV[5] completeTime ISO
  ARGV[6] error JSON ("" = none)   ARGV[7] "1" = hold the slot for a rollback
  ARGV[8] blue/green: the pool that takes the traffic from now on ("" = unchanged)
  Returns {result, nextDeploymentId or ""}; result is "closed", "conflict" (rev moved) or
  "already" (it was already terminal: the slot hand-over is repeated, which is harmless, unless
  the rollback is still pending).
]]
local status = redis.call("HGET", KEYS[1], "status")
local function handOver()
  local holder = redis.call("GET", KEYS[3])
  if holder and holder ~= ARGV[1] then return holder end
  local nextId = redis.call("LPOP", KEYS[4])
  if nextId then redis.call("SET", KEYS[3], nextId) else redis.call("DEL", KEYS[3]) end
  return nextId or ""
end
if status == "Succeeded" or status == "Failed" or status == "Stopped" then
  if redis.call("HGET", KEYS[1], "rollbackPending") == "1" then return {"already", ""} end
  return {"already", handOver()}
end
local allowed = false
for s in string.gmatch(ARGV[2], "[^,]+") do if s == status then allowed = true end end
if not allowed then return {"conflict", ""} end
if ARGV[3] ~= "" and redis.call("HGET", KEYS[1], "rev") ~= ARGV[3] then return {"conflict", ""} end
redis.call("HSET", KEYS[1], "status", ARGV[4], "completeTime", ARGV[5])
if ARGV[6] ~= "" then redis.call("HSET", KEYS[1], "error", ARGV[6]) end
redis.call("HINCRBY", KEYS[1], "rev", 1)
redis.call("SREM", KEYS[2], ARGV[1])
redis.call("LREM", KEYS[4], 0, ARGV[1])
if ARGV[4] ~= "Stopped" or redis.call("HEXISTS", KEYS[1], "startTime") == 1 then
  redis.call("HSET", KEYS[6], "lastAttempted", ARGV[1])
end
if ARGV[4] == "Succeeded" then redis.call("HSET", KEYS[6], "lastSuccessful", ARGV[1]) end
if ARGV[8] and ARGV[8] ~= "" then redis.call("HSET", KEYS[6], "livePool", ARGV[8]) end
local closed = {type = "DeploymentStatus", deploymentId = ARGV[1], status = ARGV[4], previousStatus = status}
if ARGV[6] ~= "" then closed.errorInformation = cjson.decode(ARGV[6]) end
emit(closed)
if ARGV[7] == "1" then
  redis.call("HSET", KEYS[1], "rollbackPending", "1")
  redis.call("SADD", KEYS[5], ARGV[1])
  return {"closed", ""}
end
return {"closed", handOver()}
