#!/usr/bin/env bash
# ApplicationStart: start the installed server in the background and record its pid.
set -eu
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

mkdir -p "$RUN_DIR" "$LOG_DIR"

# A server left over from an earlier run (its ApplicationStop never ran) would hold the port and
# answer ValidateService with the old version: stop it first.
if running_pid >/dev/null; then
  log "a server is already running; stopping it first"
  "$(dirname "$0")/application-stop.sh"
fi

# The hook's stdout and stderr are pipes the agent reads until they close, and the hook's process
# group is killed when the hook times out: detach the server from both (nohup, own session, output
# to a file, no stdin), or the hook would never finish or the server would die with it.
launcher=(nohup)
command -v setsid >/dev/null 2>&1 && launcher=(setsid nohup)
"${launcher[@]}" node "$APP_DIR/server.js" >>"$LOG_FILE" 2>&1 </dev/null &
pid=$!
echo "$pid" >"$PID_FILE"

sleep 0.3
if ! kill -0 "$pid" 2>/dev/null; then
  log "server exited at once; last lines of $LOG_FILE:"
  tail -n 20 "$LOG_FILE" || true
  exit 1
fi
log "started server pid $pid on 127.0.0.1:$APP_PORT (log: $LOG_FILE)"
