--[[
  Record how a closed deployment's automatic rollback came out, and pass the group's slot on. The
  deployment kept the slot when it closed (close-deployment.lua, hold flag), so the rollback runs
  before anything queued behind it; with no rollback the next queued deployment gets the slot.
  KEYS[1] dep hash (the replaced deployment)   KEYS[2] rollbacks-pending set
  KEYS[3] group lock   KEYS[4] group queue
  KEYS[5], KEYS[6] deployment and global event streams
  ARGV[1] deploymentId   ARGV[2] rollback deployment id ("" = no rollback)
  ARGV[3] rollbackInfo JSON for the replaced deployment
  Returns {result, nextDeploymentId or ""}: "settled", or "already" (settled before; nothing changes).
]]
if redis.call("HGET", KEYS[1], "rollbackPending") ~= "1" then return {"already", ""} end
local id = ARGV[1]
local rollbackId = ARGV[2]
redis.call("HSET", KEYS[1], "rollback", ARGV[3])
redis.call("HDEL", KEYS[1], "rollbackPending")
redis.call("SREM", KEYS[2], id)
redis.call("HINCRBY", KEYS[1], "rev", 1)
local holder = redis.call("GET", KEYS[3])
local mine = (not holder) or holder == id
local nextId = ""
if rollbackId ~= "" then
  -- The rollback may have been queued already (a reconcile saw the slot taken): take it out.
  redis.call("LREM", KEYS[4], 0, rollbackId)
  if mine then
    redis.call("SET", KEYS[3], rollbackId)
    nextId = rollbackId
  else
    redis.call("LPUSH", KEYS[4], rollbackId)
  end
elseif mine then
  local queued = redis.call("LPOP", KEYS[4])
  if queued then
    redis.call("SET", KEYS[3], queued)
    nextId = queued
  else
    redis.call("DEL", KEYS[3])
  end
end
local info = cjson.decode(ARGV[3])
local event = {type = "DeploymentAction", deploymentId = id, status = redis.call("HGET", KEYS[1], "status"), message = info.rollbackMessage}
if rollbackId ~= "" then
  event.action = "RollbackStarted"
  event.rollbackDeploymentId = rollbackId
else
  event.action = "RollbackNotPerformed"
end
emit(event)
return {"settled", nextId}
