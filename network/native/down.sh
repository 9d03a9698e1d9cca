#!/usr/bin/env bash
# npm run network:down — stops exactly the processes network:up started (their PIDs are in generated/run/*.pid)
# and removes the generated state. Safe to run any number of times. --keep-logs keeps generated/logs/.
set -euo pipefail
# shellcheck source=network/native/lib.sh
source "$(dirname "$0")/lib.sh"

keep_logs=false
[ "${1:-}" = "--keep-logs" ] && keep_logs=true

if [ -d "$RUN_DIR" ]; then
  # Chaincode servers first, then peers, then the orderer, so nothing logs errors about a vanished dependency.
  for pattern in 'chaincode-*' 'peer-*' 'orderer'; do
    for pidfile in "$RUN_DIR"/$pattern.pid; do
      [ -e "$pidfile" ] || continue
      stop_recorded "$pidfile"
    done
  done
fi

rm -rf "$CRYPTO_DIR" "$DATA_DIR" "$ARTIFACTS_DIR" "$RUN_DIR" "$GEN_DIR/config" "$GEN_DIR/chaincode" \
  "$GEN_DIR/connection.json"
if [ "$keep_logs" = false ]; then
  rm -rf "$LOG_DIR"
  rmdir "$GEN_DIR" 2>/dev/null || true
fi
log "network is down"
