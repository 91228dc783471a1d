#!/usr/bin/env bash
# BeforeInstall: check what the server needs and prepare the directories it writes to.
set -eu
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

if ! command -v node >/dev/null 2>&1; then
  log "node is not on PATH; the sample app needs Node.js 20 or later"
  exit 1
fi
mkdir -p "$RUN_DIR" "$LOG_DIR"
log "node $(node --version); run dir $RUN_DIR; log $LOG_FILE"
