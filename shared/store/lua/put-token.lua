--[[
  Write a token: its lookup record and its entry in its account's token list, in one step. With
  ARGV[3] set, only together with that new account: a new account and its first admin token are
  written together or not at all (nothing when the id is taken).
  KEYS[1] the token's lookup record   KEYS[2] the account's tokens hash   KEYS[3] the accounts hash
  ARGV[1] token id   ARGV[2] the token's stored JSON   ARGV[3] account id to create ("" for none)
  ARGV[4] that account's JSON   ARGV[5..] the lookup record's field, value pairs
  Returns 1 when written, 0 when the account to create exists (nothing written).
]]
if ARGV[3] ~= "" and redis.call("HSETNX", KEYS[3], ARGV[3], ARGV[4]) == 0 then return 0 end
redis.call("HSET", KEYS[1], unpack(ARGV, 5))
redis.call("HSET", KEYS[2], ARGV[1], ARGV[2])
return 1
