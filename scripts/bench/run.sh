#!/usr/bin/env bash
# `npm run bench:<name> -- [args]` → `bash scripts/bench/run.sh <name> [args]`: finds or starts a
# Redis, runs scripts/bench/<name>.ts with the arguments, stops the Redis it started.
#
# The benches read INFO commandstats, so by default they use a private redis-server of their own
# (scripts/ensure-redis.sh starts one on a free port from 6390) and no other client's commands
# are counted. BENCH_REDIS_URL=redis://host:port uses that Redis instead; when redis-server is not
# installed the usual REDIS_URL / 127.0.0.1:6379 is used and the bench says it is shared.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit

name="${1:-}"
case "$name" in
  fleet | api | agent | shift) shift ;;
  *)
    echo "usage: bash scripts/bench/run.sh fleet|api|agent|shift [args]" >&2
    exit 2
    ;;
esac

if [ ! -d node_modules ]; then
  echo "bench: node_modules is missing; running npm ci" >&2
  npm ci || exit
fi

export BENCH_REDIS_PRIVATE=0
if [ -n "${BENCH_REDIS_URL:-}" ]; then
  export REDIS_URL="$BENCH_REDIS_URL"
elif command -v redis-server >/dev/null 2>&1; then
  # Nothing answers on port 1, so ensure-redis falls through to starting a private server.
  unset REDIS_URL
  export CUTOVER_DEFAULT_REDIS_URL="redis://127.0.0.1:1"
  export BENCH_REDIS_PRIVATE=1
fi
# shellcheck source=scripts/ensure-redis.sh
source scripts/ensure-redis.sh || exit 1
[ -n "${CUTOVER_PRIVATE_REDIS_PID:-}" ] || BENCH_REDIS_PRIVATE=0
trap cutover_stop_private_redis EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

node --import tsx "scripts/bench/$name.ts" "$@"
