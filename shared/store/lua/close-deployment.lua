--[[
  End a deployment and hand its group's slot to the next queued deployment.
  KEYS[1] dep hash   KEYS[2] deps:active set   KEYS[3] group lock   KEYS[4] group queue
  KEYS[5], KEYS[6] deployment and global event streams
  ARGV[1] deploymentId   ARGV[2] comma-separated statuses it may close from
  ARGV[3] expected rev ("" = any)   ARGV[4] final status   ARGV[5] completeTime ISO
  ARGV[6] error JSON ("" = none)
  Returns {result, nextDeploymentId or ""}; result is "closed", "conflict" (rev moved) or
  "already" (it was already terminal: the slot hand-over is repeated, which is harmless).
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
local closed = {type = "DeploymentStatus", deploymentId = ARGV[1], status = ARGV[4], previousStatus = status}
if ARGV[6] ~= "" then closed.errorInformation = cjson.decode(ARGV[6]) end
emit(closed)
return {"closed", handOver()}
