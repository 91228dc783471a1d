--[[
  Link a manual rollback (POST /v1/deployments/:id/rollback) to the deployment it replaces,
  unless that deployment already names its rollback (an automatic one, or an earlier request).
  KEYS[1] dep hash (the replaced deployment)
  KEYS[2], KEYS[3] deployment and global event streams
  ARGV[1] deploymentId   ARGV[2] rollback deployment id   ARGV[3] rollbackInfo JSON
  Returns the rollback deployment id now linked (the existing one when there was one already).
]]
local existing = redis.call("HGET", KEYS[1], "rollback")
if existing then
  local linked = cjson.decode(existing).rollbackDeploymentId
  if linked then return linked end
end
redis.call("HSET", KEYS[1], "rollback", ARGV[3])
emit({type = "DeploymentAction", deploymentId = ARGV[1], action = "RollbackStarted", status = redis.call("HGET", KEYS[1], "status"),
  rollbackDeploymentId = ARGV[2], message = cjson.decode(ARGV[3]).rollbackMessage})
return ARGV[2]
