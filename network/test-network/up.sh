#!/usr/bin/env bash
# Runs OBE on the fabric-samples test-network (Docker). Usage:
#   bash network/test-network/up.sh <fabric-samples dir> [--ca]
# --ca issues identities from Fabric CAs instead of cryptogen (test-network's -ca).
#
# 1. test-network up with channel `energy` (Org1, Org2), then addOrg3 joins Org3 to `energy`; with cryptogen, the
#    gateway's demo identities are added as further users of Org1 and Org2;
# 2. channel `audit` for Org1 and Org3 only, from OBE's profile (config/configtx-audit.yaml);
# 3. the chaincode deployed with its collections through the peer lifecycle (deploy.sh);
# 4. governance mapping Org1MSP/Org2MSP/Org3MSP onto OBE's org roles;
# 5. the gateway's connection config at network/test-network/generated/connection.json.
set -euo pipefail
# shellcheck source=network/test-network/lib.sh
source "$(dirname "$0")/lib.sh"
use_fabric_samples "${1:-}"
ca_flag=()
mode=test-network
if [ "${2:-}" = "--ca" ]; then
  ca_flag=(-ca)
  mode=test-network-ca
fi

rm -rf "$GEN_DIR"
mkdir -p "$GEN_DIR/config" "$GEN_DIR/artifacts"

log "starting the test-network with channel 'energy'"
(cd "$TN" && ./network.sh down && ./network.sh up createChannel -c energy "${ca_flag[@]}")

log "adding Org3 (the regulator) to 'energy'"
(cd "$TN/addOrg3" && ./addOrg3.sh up -c energy "${ca_flag[@]}")

if [ "$mode" = test-network ]; then
  # The gateway's demo identities as further users of Org1 and Org2, issued by their existing cryptogen CAs. With
  # --ca the orgs' keys live in their Fabric CAs, and only admin and user1 of each org are in the connection config.
  log "issuing the demo identities (cryptogen extend)"
  command -v cryptogen >/dev/null || die "cryptogen not found in $FABRIC_SAMPLES/bin or on PATH"
  cryptogen extend --input="$ORGS_DIR" --config="$TN_OBE_DIR/config/crypto-extend.yaml"
fi

log "creating channel 'audit' for Org1MSP and Org3MSP"
sed "s|@@ORGANIZATIONS@@|$ORGS_DIR|g" "$TN_OBE_DIR/config/configtx-audit.yaml" >"$GEN_DIR/config/configtx.yaml"
FABRIC_CFG_PATH="$GEN_DIR/config" configtxgen -profile AuditChannel -channelID audit \
  -outputBlock "$GEN_DIR/artifacts/audit.block"
osnadmin channel join --channelID audit --config-block "$GEN_DIR/artifacts/audit.block" -o localhost:7053 \
  --ca-file "$ORDERER_CA" --client-cert "$ORDERER_TLS_DIR/server.crt" --client-key "$ORDERER_TLS_DIR/server.key"
for org in 1 3; do
  # The orderer needs a moment to start the channel's raft node before peers can pull blocks; join retries.
  for attempt in 1 2 3 4 5; do
    if (use_tn_admin "$org" && peer channel join -b "$GEN_DIR/artifacts/audit.block"); then break; fi
    [ "$attempt" = 5 ] && die "peer0.org$org could not join 'audit'"
    sleep 2
  done
done

bash "$TN_OBE_DIR/deploy.sh" "$FABRIC_SAMPLES"

npx --no-install tsx "$OBE_ROOT/network/lib/write-connection-cli.ts" "$mode" "$ORGS_DIR" "$GEN_DIR/connection.json"
npx --no-install tsx "$OBE_ROOT/network/lib/init-governance-cli.ts" "$mode" "$GEN_DIR/connection.json"
# stdout only carries the chaincode library's decorator logging (the gateway config imports chaincode types).
(cd "$OBE_ROOT" && npx --no-install tsx network/lib/gateway-keys-cli.ts "$GEN_DIR/connection.json" >/dev/null)
log "OBE is deployed on the test-network; connection config: $GEN_DIR/connection.json"
log "start the gateway on it with: OBE_LEDGER=fabric OBE_FABRIC_CONFIG=$GEN_DIR/connection.json npm start"
