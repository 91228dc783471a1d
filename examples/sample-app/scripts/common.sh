# shellcheck shell=bash disable=SC2034 # it only sets variables for the hooks that source it
# Sourced by every hook of the sample app: where things live and which port to use.
#
# The agent maps absolute `files` destinations under CUTOVER_INSTALL_ROOT when it runs with
# --install-root (several simulated hosts on one machine); production leaves it unset.
# The pid file and the log live outside /opt/cutover-sample on purpose: the agent owns that
# directory and removes what the previous revision installed, while the running server's pid
# must survive until the next ApplicationStop reads it.
INSTALL_ROOT="${CUTOVER_INSTALL_ROOT:-}"
APP_DIR="$INSTALL_ROOT/opt/cutover-sample"
RUN_DIR="$INSTALL_ROOT/var/run/cutover-sample"
LOG_DIR="$INSTALL_ROOT/var/log/cutover-sample"
PID_FILE="$RUN_DIR/server.pid"
LOG_FILE="$LOG_DIR/server.log"
# Each simulated host gets its own port through the agent's --hook-env APP_PORT=...
APP_PORT="${APP_PORT:-8080}"
export APP_PORT

log() { printf '%s [%s] %s\n' "$(date -u +%H:%M:%S)" "${LIFECYCLE_EVENT:-hook}" "$*"; }

# True when something accepts connections on 127.0.0.1:$APP_PORT (bash's /dev/tcp; no curl needed).
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$APP_PORT") 2>/dev/null; }

# Prints the pid from the pid file when that process is alive and is our server.
# Checking the command line guards against a recycled pid belonging to something else.
running_pid() {
  local pid
  [ -f "$PID_FILE" ] || return 1
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  case "$pid" in '' | *[!0-9]*) return 1 ;; esac
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'cutover-sample/server.js' || return 1
  echo "$pid"
}
