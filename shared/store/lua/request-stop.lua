--[[
  StopDeployment on an in-progress deployment: nothing more is released, every instance still
  waiting is Skipped, and the deployment is marked `stopping`. The scheduler closes it Stopped
  (MANUAL_STOP) once no instance is in flight; agents are told to kill the running hooks through
  their commands' cancel flag (cancel-command.lua).
  KEYS[1] dep hash   KEYS[2] dep targets hash   KEYS[3] dep waiting list
  KEYS[4], KEYS[5] deployment and global event streams
  ARGV[1] expected rev   ARGV[2] error JSON (MANUAL_STOP)
  ARGV[3] StopDeployment's autoRollbackEnabled: "1", "0", or "" when not given
  ARGV[4] deploymentId   ARGV[5..] pairs: instance name, Skipped target JSON (the waiting ones)
  Returns "requested"; "already" (a stop was requested before; nothing changes); "conflict" (the
  rev moved: re-read and ask again); "not-running" (the status is not InProgress, or Ready: a
  blue/green deployment waiting for ContinueDeployment).
]]
local status = redis.call("HGET", KEYS[1], "status")
if status ~= "InProgress" and status ~= "Ready" then return "not-running" end
if redis.call("HGET", KEYS[1], "stopping") == "1" then return "already" end
if redis.call("HGET", KEYS[1], "rev") ~= ARGV[1] then return "conflict" end
local n = 0
for i = 5, #ARGV, 2 do
  redis.call("HSET", KEYS[2], ARGV[i], ARGV[i + 1])
  for _, e in ipairs(cjson.decode(ARGV[i + 1]).lifecycleEvents) do
    if e.status == "Skipped" then
      emit({type = "LifecycleEvent", deploymentId = ARGV[4], instanceId = ARGV[i], lifecycleEventName = e.lifecycleEventName, status = "Skipped"})
    end
  end
  emit({type = "InstanceStatus", deploymentId = ARGV[4], instanceId = ARGV[i], status = "Skipped", previousStatus = "Pending"})
  n = n + 1
end
redis.call("DEL", KEYS[3])
redis.call("HINCRBY", KEYS[1], "Pending", 0 - n) -- not -n: Lua's -0 reaches Redis as "-0", not an integer
redis.call("HINCRBY", KEYS[1], "Skipped", n)
redis.call("HSET", KEYS[1], "stopping", "1", "error", ARGV[2])
if ARGV[3] ~= "" then redis.call("HSET", KEYS[1], "stopRollback", ARGV[3]) end
redis.call("HINCRBY", KEYS[1], "rev", 1)
emit({type = "DeploymentAction", deploymentId = ARGV[4], action = "StopRequested", status = status})
return "requested"
