#!/usr/bin/env bash
# `npm run chaos`: the worker-kill chaos trials (scripts/chaos.ts) against a Redis found or
# started by scripts/ensure-redis.sh, as `npm test` does. Arguments go to scripts/chaos.ts.
set -uo pipefail
cd "$(dirname "$0")/.." || exit
# shellcheck source=scripts/ensure-redis.sh
source scripts/ensure-redis.sh || exit 1
trap cutover_stop_private_redis EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
node --import tsx scripts/chaos.ts "$@"
