--[[
  Record a new deployment (status Created), idempotent by client token.
  KEYS[1] dep hash            KEYS[2] deps zset (all)        KEYS[3] deps zset (group)
  KEYS[4] deps:active set     KEYS[5] client-token key ("" key unused when no token)
  KEYS[6], KEYS[7] deployment and global event streams (see _events.lua)
  ARGV[1] deploymentId  ARGV[2] createTime ms  ARGV[3] spec JSON  ARGV[4] createTime ISO
  ARGV[5] "1" when a client token is given   ARGV[6] client-token ttl seconds   ARGV[7] Created event JSON
  Returns {"created", id} or {"existing", existingId}.
]]
if ARGV[5] == "1" then
  local existing = redis.call("GET", KEYS[5])
  if existing then return {"existing", existing} end
  redis.call("SET", KEYS[5], ARGV[1], "EX", tonumber(ARGV[6]))
end
redis.call("HSET", KEYS[1],
  "spec", ARGV[3], "status", "Created", "createTime", ARGV[4], "rev", 0,
  "Pending", 0, "InProgress", 0, "Succeeded", 0, "Failed", 0, "Skipped", 0, "Ready", 0)
redis.call("ZADD", KEYS[2], tonumber(ARGV[2]), ARGV[1])
redis.call("ZADD", KEYS[3], tonumber(ARGV[2]), ARGV[1])
redis.call("SADD", KEYS[4], ARGV[1])
emit(ARGV[7])
return {"created", ARGV[1]}
