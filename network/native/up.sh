#!/usr/bin/env bash
# npm run network:up — a native Fabric 2.5 network for OBE without Docker: one raft orderer and one peer per
# org as background processes on 127.0.0.1, channels `energy` and `audit` created through the channel
# participation API, the `obe` chaincode deployed through the peer lifecycle and run as a service, governance
# initialised, and the gateway's connection config written to generated/connection.json.
set -euo pipefail
# shellcheck source=network/native/lib.sh
source "$(dirname "$0")/lib.sh"

require_fabric_binaries || exit $?

for pidfile in "$RUN_DIR"/*.pid; do
  [ -e "$pidfile" ] || continue
  pid=$(cat "$pidfile")
  if process_running "$pid" && recorded_program_matches "$pid" "$(basename "$pidfile" .pid)"; then
    die "the network is already running ($(basename "$pidfile" .pid), PID $pid); run npm run network:down first"
  fi
done

require_free_ports

# From here on a failed start leaves nothing running: whatever was started is stopped again by PID file (the
# logs stay for diagnosis). EXIT rather than ERR, so that failures reported through `die` are covered too.
on_exit() {
  local rc=$?
  if [ "$rc" -ne 0 ]; then
    log "network:up failed (exit $rc); stopping what was started"
    bash "$NATIVE_DIR/down.sh" --keep-logs >&2 || true
  fi
}
trap on_exit EXIT

rm -rf "$CRYPTO_DIR" "$DATA_DIR" "$ARTIFACTS_DIR" "$RUN_DIR" "$LOG_DIR" "$GEN_DIR/config" "$GEN_DIR/chaincode" \
  "$GEN_DIR/connection.json"
mkdir -p "$GEN_DIR" "$RUN_DIR" "$LOG_DIR" "$DATA_DIR" "$ARTIFACTS_DIR"

log "generating crypto material (cryptogen)"
cryptogen generate --config="$CONFIG_DIR/crypto-config.yaml" --output="$CRYPTO_DIR" >"$LOG_DIR/cryptogen.log" 2>&1

# configtx.yaml names the crypto directory relative to itself; the copy under generated/ points at the real one.
mkdir -p "$GEN_DIR/config"
sed "s|\.\./generated/crypto|$CRYPTO_DIR|g" "$CONFIG_DIR/configtx.yaml" >"$GEN_DIR/config/configtx.yaml"
for channel in "${CHANNELS[@]}"; do
  log "creating the genesis block of channel '$channel'"
  FABRIC_CFG_PATH="$GEN_DIR/config" configtxgen -profile "$(channel_profile "$channel")" \
    -channelID "$channel" -outputBlock "$ARTIFACTS_DIR/$channel.block" >>"$LOG_DIR/configtxgen.log" 2>&1
done

start_orderer
wait_for_port orderer "$ORDERER_ADMIN_ADDRESS" "$LOG_DIR/orderer.log"

orderer_admin_tls="$ORDERER_ORG_DIR/users/Admin@obe.local/tls"
for channel in "${CHANNELS[@]}"; do
  log "orderer joins channel '$channel' (osnadmin)"
  osnadmin channel join --channelID "$channel" --config-block "$ARTIFACTS_DIR/$channel.block" \
    -o "$ORDERER_ADMIN_ADDRESS" --ca-file "$ORDERER_TLS_CA" \
    --client-cert "$orderer_admin_tls/client.crt" --client-key "$orderer_admin_tls/client.key" \
    >>"$LOG_DIR/osnadmin.log" 2>&1
done

for org in "${ORGS[@]}"; do
  start_peer "$org"
done
for org in "${ORGS[@]}"; do
  wait_for_port "peer-$org" "127.0.0.1:$(org_peer_port "$org")" "$LOG_DIR/peer-$org.log"
done

for org in "${ORGS[@]}"; do
  for channel in $(org_channels "$org"); do
    log "$(org_peer_host "$org") joins channel '$channel'"
    (use_org_admin "$org" && peer channel join -b "$ARTIFACTS_DIR/$channel.block") >>"$LOG_DIR/peer-cli.log" 2>&1
  done
done

bash "$NATIVE_DIR/deploy.sh"
npx --no-install tsx "$OBE_ROOT/network/lib/write-connection-cli.ts" native "$CRYPTO_DIR" "$GEN_DIR/connection.json"
bash "$NATIVE_DIR/init-governance.sh" "$GEN_DIR/connection.json"
# stdout only carries the chaincode library's decorator logging (the gateway config imports chaincode types).
(cd "$OBE_ROOT" && npx --no-install tsx network/lib/gateway-keys-cli.ts "$GEN_DIR/connection.json" >/dev/null)
log "network is up; connection config: $GEN_DIR/connection.json"
log "start the gateway on it with: OBE_LEDGER=fabric npm start"
