# shellcheck shell=bash
# Finds a Redis that answers, or starts a private one. Meant to be sourced:
#
#   source scripts/ensure-redis.sh || exit 1
#   trap cutover_stop_private_redis EXIT
#
# In order:
#   1. REDIS_URL, when set and it answers PING: kept as is.
#   2. redis://127.0.0.1:6379 when it answers (CUTOVER_DEFAULT_REDIS_URL overrides that address,
#      which is how the fallback below can be tried on a machine where 6379 does answer).
#   3. A private redis-server on a free port from 6390 up: no persistence, its own temp dir,
#      bound to 127.0.0.1. It exports REDIS_URL, CUTOVER_PRIVATE_REDIS_PID and
#      CUTOVER_PRIVATE_REDIS_DIR; the caller stops it with cutover_stop_private_redis.
#   4. Otherwise it says how to get a Redis and returns 1.
# Messages go to stderr. It changes no shell options of the caller.

# True when the Redis at URL answers PING with PONG within a few seconds.
# Uses redis-cli when installed, else Node (always present: Cutover runs on it). Both speak
# AUTH from the URL's user:password and TLS for rediss://.
cutover_redis_answers() {
  local url="$1" reply
  if command -v redis-cli >/dev/null 2>&1; then
    local tls=()
    [[ "$url" == rediss://* ]] && tls=(--tls)
    # redis-cli has no connect timeout before 7.2, hence `timeout`; it warns about -u on stderr.
    reply="$(timeout 5 redis-cli "${tls[@]}" -u "$url" PING 2>/dev/null)" || return 1
    [ "$reply" = "PONG" ]
    return
  fi
  # shellcheck disable=SC2016 # JavaScript, not shell: its $ belong to template literals.
  timeout 5 node -e '
    const url = new URL(process.argv[1]);
    const net = require(url.protocol === "rediss:" ? "node:tls" : "node:net");
    const port = Number(url.port || 6379);
    const socket = net.connect({ host: url.hostname, port, servername: url.hostname });
    // RESP arrays, so passwords with spaces or quotes survive.
    const cmd = (...args) => `*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("");
    const auth = url.password
      ? cmd("AUTH", ...(url.username ? [decodeURIComponent(url.username)] : []), decodeURIComponent(url.password))
      : "";
    socket.setTimeout(3000, () => process.exit(1));
    socket.on("error", () => process.exit(1));
    socket.on(url.protocol === "rediss:" ? "secureConnect" : "connect", () => socket.write(auth + cmd("PING")));
    let seen = "";
    socket.on("data", (chunk) => {
      seen += chunk;
      if (seen.startsWith("-")) process.exit(1);
      if (seen.includes("+PONG\r\n")) process.exit(0);
    });
  ' "$url" >/dev/null 2>&1
}

# True when nothing accepts connections on 127.0.0.1:PORT.
cutover_port_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Starts redis-server on the first free port from 6390 and exports its URL, pid and directory.
cutover_start_private_redis() {
  local dir port
  dir="$(mktemp -d "${TMPDIR:-/tmp}/cutover-redis.XXXXXX")" || return 1
  for port in $(seq 6390 6430); do
    cutover_port_free "$port" || continue
    # --save '' and no AOF: tests and the demo need no durability and should leave nothing behind.
    if ! redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
        --daemonize yes --dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >/dev/null 2>&1; then
      continue
    fi
    local _
    for _ in $(seq 1 50); do
      if cutover_redis_answers "redis://127.0.0.1:$port"; then
        export REDIS_URL="redis://127.0.0.1:$port"
        export CUTOVER_PRIVATE_REDIS_PID
        CUTOVER_PRIVATE_REDIS_PID="$(cat "$dir/redis.pid")"
        export CUTOVER_PRIVATE_REDIS_DIR="$dir"
        echo "ensure-redis: started a private redis-server at $REDIS_URL (pid $CUTOVER_PRIVATE_REDIS_PID, dir $dir)" >&2
        return 0
      fi
      sleep 0.1
    done
    # It never answered: most likely another process took the port in between. Try the next one.
    [ -f "$dir/redis.pid" ] && kill "$(cat "$dir/redis.pid")" 2>/dev/null
    rm -f "$dir/redis.pid"
  done
  echo "ensure-redis: redis-server did not start; its log ($dir/redis.log):" >&2
  tail -n 20 "$dir/redis.log" >&2 2>/dev/null
  rm -rf "$dir"
  return 1
}

# Stops the private Redis started above, if any, and removes its directory. Safe to call twice.
cutover_stop_private_redis() {
  local pid="${CUTOVER_PRIVATE_REDIS_PID:-}" dir="${CUTOVER_PRIVATE_REDIS_DIR:-}" _
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  fi
  [ -n "$dir" ] && [[ "$dir" == */cutover-redis.* ]] && rm -rf "$dir"
  unset CUTOVER_PRIVATE_REDIS_PID CUTOVER_PRIVATE_REDIS_DIR
  return 0
}

cutover_ensure_redis() {
  local default_url="${CUTOVER_DEFAULT_REDIS_URL:-redis://127.0.0.1:6379}"
  if [ -n "${REDIS_URL:-}" ]; then
    if cutover_redis_answers "$REDIS_URL"; then
      echo "ensure-redis: using REDIS_URL=$(cutover_redis_display "$REDIS_URL")" >&2
      return 0
    fi
    echo "ensure-redis: REDIS_URL=$(cutover_redis_display "$REDIS_URL") does not answer; looking elsewhere" >&2
  fi
  if cutover_redis_answers "$default_url"; then
    export REDIS_URL="$default_url"
    echo "ensure-redis: using the Redis at $(cutover_redis_display "$REDIS_URL")" >&2
    return 0
  fi
  if command -v redis-server >/dev/null 2>&1; then
    cutover_start_private_redis
    return
  fi
  cat >&2 <<EOF
ensure-redis: no Redis answers (${REDIS_URL:+REDIS_URL, }$default_url) and redis-server is not installed.
  Cutover keeps all its state in Redis 7. Either:
    - install it:  apt-get install -y redis-server   (as root on Debian/Ubuntu; then run this again), or
    - point at one: export REDIS_URL=redis://host:6379
EOF
  return 1
}

# The URL without its password, for messages.
cutover_redis_display() {
  printf '%s' "$1" | sed -E 's#(://[^:/@]*:)[^@]*@#\1***@#'
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  echo "ensure-redis.sh is meant to be sourced: source scripts/ensure-redis.sh" >&2
  exit 2
fi
cutover_ensure_redis
