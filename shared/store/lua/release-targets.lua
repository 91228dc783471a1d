--[[
  Release the next instances of the sliding window: each target goes Pending → InProgress and
  gets its first agent command, in one step, so no crash can leave a released host without work.
  KEYS[1] dep hash   KEYS[2] dep targets hash   KEYS[3] dep waiting list   KEYS[4] open-commands zset
  KEYS[5..] per instance: command key, instance open-commands set; then the deployment and global event streams
  ARGV[1] expected rev   ARGV[2] wake channel   ARGV[3] now ms
  ARGV[4..] per instance: instance name, target JSON, command id, command JSON
  Returns 1, or 0 when the rev moved (the caller re-reads and decides again).
]]
if redis.call("HGET", KEYS[1], "rev") ~= ARGV[1] then return 0 end
if redis.call("HGET", KEYS[1], "status") ~= "InProgress" then return 0 end
local n = 0
for i = 4, #ARGV, 4 do
  local k = 5 + n * 2
  redis.call("HSET", KEYS[2], ARGV[i], ARGV[i + 1])
  redis.call("SET", KEYS[k], ARGV[i + 3])
  redis.call("SADD", KEYS[k + 1], ARGV[i + 2])
  redis.call("ZADD", KEYS[4], tonumber(ARGV[3]), ARGV[i + 2])
  redis.call("PUBLISH", ARGV[2], ARGV[i])
  emit({type = "InstanceStatus", deploymentId = cjson.decode(ARGV[i + 1]).deploymentId, instanceId = ARGV[i], status = "InProgress", previousStatus = "Pending"})
  n = n + 1
end
redis.call("LTRIM", KEYS[3], n, -1)
redis.call("HINCRBY", KEYS[1], "Pending", 0 - n) -- not -n: Lua's -0 reaches Redis as "-0", not an integer
redis.call("HINCRBY", KEYS[1], "InProgress", n)
redis.call("HINCRBY", KEYS[1], "rev", 1)
return 1
