--[[
  Register (or re-register) an instance: compare-and-set of its record against what the caller
  read. The TypeScript decided from that read (decideRegistration: a name another account holds
  is refused, writing nothing); this script makes sure nothing changed since, so of two racing
  registrations one wins and the other reads again and decides again (and is refused if the
  winner was another account). The old instance token is revoked in the same step.
  KEYS[1] instance hash   KEYS[2] the new token's lookup record   KEYS[3] registered-instances zset
  KEYS[4] the old token's lookup record (the one read; KEYS[2] again when there was none)
  ARGV[1] instance name   ARGV[2] info as read ("" when none)   ARGV[3] tokenHash as read ("" when none)
  ARGV[4] new info JSON   ARGV[5] new token hash   ARGV[6] now (ms, the first heartbeat)
  ARGV[7] register time (ms, the zset score)   ARGV[8] account id
  Returns 1 when written, 0 when the record changed since it was read (nothing written).
]]
local info = redis.call("HGET", KEYS[1], "info") or ""
local tokenHash = redis.call("HGET", KEYS[1], "tokenHash") or ""
if info ~= ARGV[2] or tokenHash ~= ARGV[3] then return 0 end
if ARGV[3] ~= "" and ARGV[3] ~= ARGV[5] then redis.call("DEL", KEYS[4]) end
redis.call("HSET", KEYS[1], "info", ARGV[4], "tokenHash", ARGV[5], "lastSeen", ARGV[6])
redis.call("HSET", KEYS[2], "kind", "instance", "instanceName", ARGV[1], "accountId", ARGV[8])
redis.call("ZADD", KEYS[3], ARGV[7], ARGV[1])
return 1
