#!/usr/bin/env bash
# ValidateService: the deployment succeeds on this host only if /healthz answers 200 within ~15 s.
set -eu
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

url="http://127.0.0.1:$APP_PORT/healthz"
deadline=$((SECONDS + 15))
attempt=0
while [ "$SECONDS" -lt "$deadline" ]; do
  attempt=$((attempt + 1))
  # node is the app's runtime anyway, so no curl is needed on the host.
  if node -e 'fetch(process.argv[1], { signal: AbortSignal.timeout(2000) })
      .then((r) => process.exit(r.status === 200 ? 0 : 1), () => process.exit(1))' "$url"; then
    log "$url answered 200 (attempt $attempt)"
    exit 0
  fi
  sleep 0.5
done
log "$url did not answer 200 within 15 s; last lines of $LOG_FILE:"
tail -n 20 "$LOG_FILE" 2>/dev/null || true
exit 1
