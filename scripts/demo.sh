#!/usr/bin/env bash
# `npm run demo`: Cutover, three local agents and the sample app, until Ctrl-C (see scripts/demo.ts).
# This wrapper installs dependencies when missing and finds or starts a Redis; demo.ts does the rest.
set -uo pipefail
cd "$(dirname "$0")/.." || exit

if [ ! -d node_modules ]; then
  echo "demo: node_modules is missing; running npm ci" >&2
  npm ci || exit
fi

# shellcheck source=scripts/ensure-redis.sh
source scripts/ensure-redis.sh || {
  echo "demo: Cutover needs Redis; see the message above." >&2
  exit 1
}
trap cutover_stop_private_redis EXIT
# Ctrl-C reaches demo.ts too (same terminal process group); it stops what it started and exits.
# These traps only keep bash alive until then, so the EXIT trap stops the private Redis last.
trap ':' INT TERM

node --import tsx scripts/demo.ts
status=$?
exit "$status"
