#!/usr/bin/env bash
# ApplicationStop: stop the running server, if any. CodeDeploy runs this script from the revision
# installed before the new one; it must succeed when nothing runs (first install, after a reboot).
set -eu
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

if ! pid="$(running_pid)"; then
  log "no server running (pid file: $PID_FILE)"
  rm -f "$PID_FILE"
  exit 0
fi

log "stopping server pid $pid"
kill -TERM "$pid" 2>/dev/null || true
for _ in $(seq 1 50); do
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.2
done
if kill -0 "$pid" 2>/dev/null; then
  log "pid $pid ignored SIGTERM for 10 s; sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  sleep 0.5
fi
rm -f "$PID_FILE"

# The next ApplicationStart binds the same port: wait until the kernel has let it go.
for _ in $(seq 1 25); do
  port_in_use || { log "stopped; port $APP_PORT is free"; exit 0; }
  sleep 0.2
done
log "warning: port $APP_PORT is still in use by another process"
