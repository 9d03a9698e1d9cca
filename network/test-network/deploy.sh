#!/usr/bin/env bash
# Deploys the `obe` chaincode on the test-network's `energy` (Org1, Org2, Org3) and `audit` (Org1, Org3) through
# the peer lifecycle. Usage: bash network/test-network/deploy.sh <fabric-samples dir>
#
# This follows test-network's deployCC (package, install, approveformyorg per org, checkcommitreadiness, commit,
# with --collections-config and --signature-policy as `network.sh deployCC -cccg ... -ccep ...` passes them), but
# for every member org of each channel: deployCC approves and commits with Org1 and Org2 only, so it can neither
# let Org3 endorse on `energy` nor deploy on `audit`, where Org2 is not a member.
#
# The package is the node package `npm run package:chaincode` builds; the test-network peers build and run it in
# Docker with their node builder. The collections are collections/<channel>.json re-targeted at Org1/2/3MSP.
set -euo pipefail
# shellcheck source=network/test-network/lib.sh
source "$(dirname "$0")/lib.sh"
use_fabric_samples "${1:-}"

CC_NAME=obe
# Same reasoning as network/native/deploy.sh: any two orgs on energy, both members on audit.
ENERGY_POLICY="OutOf(2,'Org1MSP.peer','Org2MSP.peer','Org3MSP.peer')"
AUDIT_POLICY="AND('Org1MSP.peer','Org3MSP.peer')"

mkdir -p "$GEN_DIR/collections"
for channel in energy audit; do
  npx --no-install tsx "$OBE_ROOT/network/lib/remap-collections-cli.ts" "$OBE_ROOT/collections/$channel.json" \
    "$GEN_DIR/collections/$channel.json"
  npx --no-install tsx "$OBE_ROOT/network/lib/check-collections-cli.ts" "$GEN_DIR/collections/$channel.json" \
    "$channel" test-network
done

version=$(node -p "require('$OBE_ROOT/chaincode/package.json').version")
package="$GEN_DIR/obe.tar.gz"
CC_LABEL="${CC_NAME}_${version}" bash "$OBE_ROOT/scripts/package-chaincode.sh" "$package" >/dev/null
package_id=$(peer lifecycle chaincode calculatepackageid "$package")
log "chaincode package $package_id"

for org in 1 2 3; do
  if (use_tn_admin "$org" && peer lifecycle chaincode queryinstalled) | grep -qF "$package_id"; then
    log "already installed on peer0.org$org"
    continue
  fi
  log "installing on peer0.org$org (the peer builds the node chaincode image; this takes a while)"
  (use_tn_admin "$org" && peer lifecycle chaincode install "$package")
done

for channel in energy audit; do
  if [ "$channel" = energy ]; then policy=$ENERGY_POLICY; else policy=$AUDIT_POLICY; fi
  read -r -a members <<<"$(tn_channel_orgs "$channel")"
  collections="$GEN_DIR/collections/$channel.json"
  committed=$( (use_tn_admin "${members[0]}" &&
    peer lifecycle chaincode querycommitted -C "$channel" -n "$CC_NAME" -O json 2>/dev/null) || true)
  current=$(printf '%s' "$committed" | node -e \
    'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{console.log(JSON.parse(s).sequence||0)}catch{console.log(0)}})')
  sequence=$((current + 1))
  definition=(-C "$channel" -n "$CC_NAME" -v "$version" --sequence "$sequence" --signature-policy "$policy"
    --collections-config "$collections")
  for org in "${members[@]}"; do
    log "Org${org}MSP approves $CC_NAME sequence $sequence on '$channel'"
    (use_tn_admin "$org" &&
      peer lifecycle chaincode approveformyorg "${ORDERER_ARGS[@]}" "${definition[@]}" --package-id "$package_id")
  done
  (use_tn_admin "${members[0]}" && peer lifecycle chaincode checkcommitreadiness "${definition[@]}" -O json) |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const a=JSON.parse(s).approvals;const m=Object.keys(a).filter(k=>!a[k]);if(m.length){console.error("not approved by: "+m.join(", "));process.exit(1)}})' ||
    die "the definition on '$channel' is not approved by every member"
  peer_args=()
  for org in "${members[@]}"; do
    peer_args+=(--peerAddresses "localhost:$(tn_peer_port "$org")" --tlsRootCertFiles "$(tn_peer_tls_ca "$org")")
  done
  log "committing $CC_NAME sequence $sequence on '$channel'"
  (use_tn_admin "${members[0]}" &&
    peer lifecycle chaincode commit "${ORDERER_ARGS[@]}" "${definition[@]}" "${peer_args[@]}")
  (use_tn_admin "${members[0]}" && peer lifecycle chaincode querycommitted -C "$channel" -n "$CC_NAME")
done
