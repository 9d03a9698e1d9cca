#!/usr/bin/env bash
# npm run test:fabric — brings the native network up, runs the jest suites under test/fabric/ against it with
# OBE_FABRIC_TEST=1, and always brings the network down again (trap), also when a test or the start fails.
# Without the Fabric 2.5 binaries on PATH it says why and exits 0 having skipped, so it never fails a machine
# that cannot run Fabric; `npm test` never needs Fabric at all.
set -euo pipefail
# shellcheck source=network/native/lib.sh
source "$(dirname "$0")/native/lib.sh"

if ! require_fabric_binaries 2>"${TMPDIR:-/tmp}/obe-fabric-check.$$"; then
  cat "${TMPDIR:-/tmp}/obe-fabric-check.$$" >&2
  rm -f "${TMPDIR:-/tmp}/obe-fabric-check.$$"
  echo "[obe-network] SKIPPED test:fabric: the Fabric $FABRIC_MAJOR_MINOR binaries are not available (see above)." >&2
  exit 0
fi
rm -f "${TMPDIR:-/tmp}/obe-fabric-check.$$"

started_here=false
cleanup() {
  local rc=$?
  if [ "$started_here" = true ]; then
    bash "$NATIVE_DIR/down.sh" --keep-logs || true
    log "logs of this run are kept in $LOG_DIR"
  fi
  exit "$rc"
}
trap cleanup EXIT INT TERM

# A network someone else started (npm run network:up) is used as is and left running.
if [ -f "$GEN_DIR/connection.json" ] && [ -f "$RUN_DIR/peer-gridoperator.pid" ] &&
  kill -0 "$(cat "$RUN_DIR/peer-gridoperator.pid")" 2>/dev/null; then
  log "using the running network ($GEN_DIR/connection.json)"
else
  started_here=true
  # Short delivery intervals for the network this run starts (fixed at the first governance configuration): the
  # scenario waits for gate closure and then for its interval to end before it settles.
  OBE_INTERVAL_MINUTES=${OBE_INTERVAL_MINUTES:-1} bash "$NATIVE_DIR/up.sh"
fi

cd "$OBE_ROOT"
# The directory, not the prefix: a bare `test/fabric` pattern also matches test/fabric-embedded/, which npm test runs.
OBE_FABRIC_TEST=1 OBE_FABRIC_CONFIG="$GEN_DIR/connection.json" OBE_FABRIC_NETWORK_DIR="$GEN_DIR" \
  npx --no-install jest --runInBand test/fabric/ "$@"
