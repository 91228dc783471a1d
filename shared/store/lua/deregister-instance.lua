--[[
  Deregister an instance: compare-and-set of its record against what the caller read, so a
  registration racing it either comes first (and is deregistered with its new token revoked) or
  comes after (and registers the host again); never a Deregistered record whose latest token
  still works. The record stays (its name remains its account's); only the token goes.
  KEYS[1] instance hash   KEYS[2] the token's lookup record (the one read; any key when none)
  ARGV[1] info as read   ARGV[2] tokenHash as read ("" when none)   ARGV[3] new info JSON
  Returns 1 when written, 0 when the record changed since it was read (nothing written).
]]
local info = redis.call("HGET", KEYS[1], "info") or ""
local tokenHash = redis.call("HGET", KEYS[1], "tokenHash") or ""
if info ~= ARGV[1] or tokenHash ~= ARGV[2] then return 0 end
redis.call("HSET", KEYS[1], "info", ARGV[3])
if ARGV[2] ~= "" then
  redis.call("HDEL", KEYS[1], "tokenHash")
  redis.call("DEL", KEYS[2])
end
return 1
