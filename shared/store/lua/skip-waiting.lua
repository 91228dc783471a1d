--[[
  Decide that the deployment has failed: no more releases, every waiting instance is Skipped.
  It closes once nothing is in flight.
  KEYS[1] dep hash   KEYS[2] dep targets hash   KEYS[3] dep waiting list
  KEYS[4], KEYS[5] deployment and global event streams
  ARGV[1] expected rev   ARGV[2] error JSON   ARGV[3..] pairs: instance name, Skipped target JSON
  Returns 1, or 0 when the rev moved.
]]
if redis.call("HGET", KEYS[1], "rev") ~= ARGV[1] then return 0 end
local n = 0
for i = 3, #ARGV, 2 do
  redis.call("HSET", KEYS[2], ARGV[i], ARGV[i + 1])
  local target = cjson.decode(ARGV[i + 1])
  -- Each lifecycle event of the host is Skipped too: recorded like any other event change.
  for _, e in ipairs(target.lifecycleEvents) do
    if e.status == "Skipped" then
      emit({type = "LifecycleEvent", deploymentId = target.deploymentId, instanceId = ARGV[i], lifecycleEventName = e.lifecycleEventName, status = "Skipped"})
    end
  end
  emit({type = "InstanceStatus", deploymentId = target.deploymentId, instanceId = ARGV[i], status = "Skipped", previousStatus = "Pending"})
  n = n + 1
end
redis.call("DEL", KEYS[3])
redis.call("HINCRBY", KEYS[1], "Pending", 0 - n) -- not -n: Lua's -0 reaches Redis as "-0", not an integer
redis.call("HINCRBY", KEYS[1], "Skipped", n)
redis.call("HSET", KEYS[1], "failing", "1", "error", ARGV[2])
redis.call("HINCRBY", KEYS[1], "rev", 1)
return 1
