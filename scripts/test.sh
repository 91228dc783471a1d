#!/usr/bin/env bash
# `npm test`: type-check, then run the vitest suites (unit, integration, end to end).
# Arguments go to vitest, e.g. `npm test -- test/unit` or `npm test -- -t 'window'`.
# Needs Node 20 and a Redis: REDIS_URL, else 127.0.0.1:6379, else a private redis-server that
# this script starts and stops (see scripts/ensure-redis.sh).
set -uo pipefail
cd "$(dirname "$0")/.." || exit

if [ ! -d node_modules ]; then
  echo "test: node_modules is missing; running npm ci" >&2
  npm ci || exit
fi

# shellcheck source=scripts/ensure-redis.sh
source scripts/ensure-redis.sh || exit 1
trap cutover_stop_private_redis EXIT
# Without these, a Ctrl-C could end bash before the EXIT trap stops the private Redis.
trap 'exit 130' INT
trap 'exit 143' TERM

echo "test: tsc --noEmit" >&2
node_modules/.bin/tsc --noEmit || exit
node_modules/.bin/tsc --noEmit -p web || exit   # the dashboard (DOM, JSX): its own tsconfig
echo "test: vitest run $*" >&2
node_modules/.bin/vitest run "$@"
