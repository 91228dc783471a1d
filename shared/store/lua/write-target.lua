--[[
  Compare-and-set one instance target, with the side effects that must happen with it.
  The TypeScript computes the new target; this script only checks that nobody wrote in between.
  KEYS[1] dep hash   KEYS[2] dep targets hash   KEYS[3] command key   KEYS[4] instance open-commands set
  KEYS[5] open-commands zset (all instances; the sweeper reads it)
  KEYS[6] instance hash (per group, the revision last deployed there and how it ended: "rev:<groupId>")
  KEYS[7], KEYS[8] deployment and global event streams
  ARGV[1] instance name   ARGV[2] expected target version   ARGV[3] new target JSON
  ARGV[4] old target status   ARGV[5] new target status
  ARGV[6] command op: "none" | "open" (ARGV[7] = command JSON) | "close" (ARGV[7] = closed command JSON)
  ARGV[8] command id   ARGV[9] wake channel   ARGV[10] now ms
  ARGV[11] JSON array of the events this change produces
  When the target ends Succeeded or Failed the instance records the deployment's revision and that
  outcome for this group (unless a later-started deployment of the group recorded one already): a
  host where a deployment failed may hold part of it, so it counts as outdated until one succeeds.
  Returns 1, or 0 when the stored version differs (the caller re-reads and retries).
]]
local current = redis.call("HGET", KEYS[2], ARGV[1])
if not current then return 0 end
if tostring(cjson.decode(current).version) ~= ARGV[2] then return 0 end
redis.call("HSET", KEYS[2], ARGV[1], ARGV[3])
for _, event in ipairs(cjson.decode(ARGV[11])) do emit(event) end
if (ARGV[5] == "Succeeded" or ARGV[5] == "Failed") and ARGV[4] ~= ARGV[5] then
  local spec = cjson.decode(redis.call("HGET", KEYS[1], "spec"))
  local startTime = redis.call("HGET", KEYS[1], "startTime") or ""
  local field = "rev:" .. spec.deploymentGroupId
  local recorded = redis.call("HGET", KEYS[6], field)
  if not recorded or (cjson.decode(recorded).startTime or "") <= startTime then
    redis.call("HSET", KEYS[6], field, cjson.encode({
      deploymentId = spec.deploymentId, applicationName = spec.applicationName,
      deploymentGroupName = spec.deploymentGroupName, deploymentGroupId = spec.deploymentGroupId,
      digest = spec.revision.digest, status = ARGV[5], startTime = startTime, recordedAt = ARGV[10],
    }))
  end
end
if ARGV[4] ~= ARGV[5] then
  redis.call("HINCRBY", KEYS[1], ARGV[4], -1)
  redis.call("HINCRBY", KEYS[1], ARGV[5], 1)
  redis.call("HINCRBY", KEYS[1], "rev", 1)
end
if ARGV[6] == "open" then
  redis.call("SET", KEYS[3], ARGV[7])
  redis.call("SADD", KEYS[4], ARGV[8])
  redis.call("ZADD", KEYS[5], tonumber(ARGV[10]), ARGV[8])
  redis.call("PUBLISH", ARGV[9], ARGV[1])
elseif ARGV[6] == "close" then
  redis.call("SET", KEYS[3], ARGV[7])
  redis.call("SREM", KEYS[4], ARGV[8])
  redis.call("ZREM", KEYS[5], ARGV[8])
end
return 1
