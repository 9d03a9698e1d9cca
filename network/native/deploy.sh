#!/usr/bin/env bash
# Deploys the `obe` chaincode on `energy` and `audit` through the peer lifecycle (package, install,
# approveformyorg per org, checkcommitreadiness, commit). Run by up.sh; run it again after changing the
# chaincode to upgrade it (new package, next sequence).
#
# Chaincode as a service: the peers run no Docker, so the package holds only connection.json and each org runs
# the chaincode itself as a server (`fabric-chaincode-node server`) that its peer dials. Compared with an external
# builder that runs `npm ci` and `fabric-chaincode-node start` inside the peer, this installs in a second with no
# registry access, gives every chaincode process its own PID file and log next to the peers', and runs exactly
# the chaincode/dist that the tests build. The package label carries a hash of that code, so changed code is a
# new package ID that every org must approve again, as with any chaincode upgrade.
set -euo pipefail
# shellcheck source=network/native/lib.sh
source "$(dirname "$0")/lib.sh"

COLLECTIONS_DIR=${OBE_COLLECTIONS_DIR:-$OBE_ROOT/collections}
# The chaincode package directory (package.json with main and a build script); tests may point elsewhere.
CHAINCODE_DIR=${OBE_CHAINCODE_DIR:-$OBE_ROOT/chaincode}

# Endorsement policies (chaincode level). For private writes the collection-level endorsementPolicy in
# collections/<channel>.json applies instead, and the chaincode may set key-level policies on single records.
# - energy: any two of the three orgs (a majority). No org can write the shared record alone. It cannot be "grid
#   operator AND utility": the grid operator's own private records (orders_GridOperatorMSP, ...) are shared with
#   the regulator only, and the peer gateway never sends a proposal carrying transient (private) data to an org
#   outside the collection, so such a transaction could never be endorsed. Every collection has at least two
#   member orgs, so two endorsers who may see the data always exist; the regulator's peer then witnesses the
#   write, which fits its audit role (endorsing executes the chaincode; it grants no right to submit).
# - audit: both members. The grid operator writes attestations; the regulator's peer co-signing each one means
#   the audited party cannot anchor an attestation without the auditor's peer having executed it. If the
#   regulator's peer is down, the audit relay's checkpointed retry delays the attestation instead of losing it.
ENERGY_POLICY=${OBE_ENERGY_POLICY:-"OutOf(2,'GridOperatorMSP.peer','UtilityMSP.peer','RegulatorMSP.peer')"}
AUDIT_POLICY=${OBE_AUDIT_POLICY:-"AND('GridOperatorMSP.peer','RegulatorMSP.peer')"}

channel_policy() {
  case "$1" in
    energy) echo "$ENERGY_POLICY" ;;
    audit) echo "$AUDIT_POLICY" ;;
  esac
}

for channel in "${CHANNELS[@]}"; do
  [ -f "$COLLECTIONS_DIR/$channel.json" ] ||
    die "collection definitions $COLLECTIONS_DIR/$channel.json are missing; the chaincode cannot be deployed without them"
  npx --no-install tsx "$OBE_ROOT/network/lib/check-collections-cli.ts" "$COLLECTIONS_DIR/$channel.json" "$channel"
done

[ -f "$CHAINCODE_DIR/package.json" ] || die "no chaincode package (package.json) in $CHAINCODE_DIR"
log "building the chaincode"
(cd "$CHAINCODE_DIR" && npm run build) >"$LOG_DIR/chaincode-build.log" 2>&1 ||
  die "chaincode build failed; see $LOG_DIR/chaincode-build.log"

version=$(cd "$CHAINCODE_DIR" && node -p "require('./package.json').version")
# Hash of the code the servers run (dist/ without source maps, and package.json), portable (no sha256sum on macOS).
code_hash=$(cd "$CHAINCODE_DIR" && node -e '
  const fs = require("fs"), path = require("path"), hash = require("crypto").createHash("sha256");
  const walk = (p) => fs.statSync(p).isDirectory() ? fs.readdirSync(p).sort().flatMap((e) => walk(path.join(p, e))) : [p];
  for (const file of [...walk("dist"), "package.json"].filter((f) => !f.endsWith(".map"))) {
    hash.update(file).update("\0").update(fs.readFileSync(file));
  }
  console.log(hash.digest("hex").slice(0, 12));')
label="${CHAINCODE_NAME}_${version}_${code_hash}"

pkg_dir="$GEN_DIR/chaincode"
rm -rf "$pkg_dir"
mkdir -p "$pkg_dir/src"
# The address is filled in per peer by the obe-ccaas builder's release step (builders/ccaas/bin/release).
# TLS between peer and chaincode is off: both ends listen on 127.0.0.1 only.
printf '{"address":"{{OBE_CHAINCODE_ADDRESS}}","dial_timeout":"10s","tls_required":false}\n' >"$pkg_dir/src/connection.json"
printf '{"type":"ccaas","label":"%s"}\n' "$label" >"$pkg_dir/metadata.json"
tar -C "$pkg_dir/src" -czf "$pkg_dir/code.tar.gz" connection.json
tar -C "$pkg_dir" -czf "$pkg_dir/obe.tar.gz" metadata.json code.tar.gz
package_id=$(FABRIC_CFG_PATH="$CONFIG_DIR" peer lifecycle chaincode calculatepackageid "$pkg_dir/obe.tar.gz")
echo "$package_id" >"$pkg_dir/package-id"
log "chaincode package $package_id"

# Each org's chaincode server runs from the chaincode directory, so it loads package.json's main (dist/index.js).
cc_cli="$OBE_ROOT/node_modules/.bin/fabric-chaincode-node"
[ -x "$cc_cli" ] || die "fabric-chaincode-node (fabric-shim) is not installed; run npm ci"
for org in "${ORGS[@]}"; do
  name="chaincode-$org"
  # An upgrade replaces the running server with one serving the new package ID.
  [ -f "$RUN_DIR/$name.pid" ] && stop_recorded "$RUN_DIR/$name.pid"
  (cd "$CHAINCODE_DIR" && start_background "$name" "$LOG_DIR/$name.log" \
    "$cc_cli" server --chaincode-address "$(org_chaincode_address "$org")" --chaincode-id "$package_id")
  wait_for_port "$name" "$(org_chaincode_address "$org")" "$LOG_DIR/$name.log"
done

for org in "${ORGS[@]}"; do
  if (use_org_admin "$org" && peer lifecycle chaincode queryinstalled -O json 2>/dev/null) | grep -qF "\"$package_id\""; then
    log "$package_id is already installed on $(org_peer_host "$org")"
    continue
  fi
  log "installing on $(org_peer_host "$org")"
  (use_org_admin "$org" && peer lifecycle chaincode install "$pkg_dir/obe.tar.gz") >>"$LOG_DIR/peer-cli.log" 2>&1 ||
    die "install failed on $(org_peer_host "$org"); see $LOG_DIR/peer-cli.log"
done

orderer_args=(-o "$ORDERER_ADDRESS" --ordererTLSHostnameOverride "$ORDERER_HOST" --tls --cafile "$ORDERER_TLS_CA")

for channel in "${CHANNELS[@]}"; do
  # Collections name MSP IDs of the native network as written in collections/<channel>.json.
  collections="$COLLECTIONS_DIR/$channel.json"
  policy=$(channel_policy "$channel")
  read -r -a members <<<"$(channel_orgs "$channel")"

  committed=$( (use_org_admin "${members[0]}" &&
    peer lifecycle chaincode querycommitted -C "$channel" -n "$CHAINCODE_NAME" -O json 2>/dev/null) || true)
  current=$(printf '%s' "$committed" | node -e \
    'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{console.log(JSON.parse(s).sequence||0)}catch{console.log(0)}})')
  sequence=$((current + 1))

  for org in "${members[@]}"; do
    log "$(org_msp "$org") approves $CHAINCODE_NAME sequence $sequence on '$channel'"
    (use_org_admin "$org" && peer lifecycle chaincode approveformyorg "${orderer_args[@]}" -C "$channel" \
      -n "$CHAINCODE_NAME" -v "${version}_${code_hash}" --package-id "$package_id" --sequence "$sequence" \
      --signature-policy "$policy" --collections-config "$collections") >>"$LOG_DIR/peer-cli.log" 2>&1 ||
      die "approveformyorg failed for $(org_msp "$org") on '$channel'; see $LOG_DIR/peer-cli.log"
  done

  readiness=$(use_org_admin "${members[0]}" && peer lifecycle chaincode checkcommitreadiness -C "$channel" \
    -n "$CHAINCODE_NAME" -v "${version}_${code_hash}" --sequence "$sequence" --signature-policy "$policy" \
    --collections-config "$collections" -O json)
  printf '%s' "$readiness" | node -e \
    'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const a=JSON.parse(s).approvals;const missing=Object.keys(a).filter(k=>!a[k]);if(missing.length){console.error("not approved by: "+missing.join(", "));process.exit(1)}})' ||
    die "chaincode definition on '$channel' is not ready to commit"

  peer_args=()
  for org in "${members[@]}"; do
    peer_args+=(--peerAddresses "localhost:$(org_peer_port "$org")" --tlsRootCertFiles "$(org_peer_tls_ca "$org")")
  done
  log "committing $CHAINCODE_NAME sequence $sequence on '$channel'"
  (use_org_admin "${members[0]}" && peer lifecycle chaincode commit "${orderer_args[@]}" -C "$channel" \
    -n "$CHAINCODE_NAME" -v "${version}_${code_hash}" --sequence "$sequence" --signature-policy "$policy" \
    --collections-config "$collections" "${peer_args[@]}") >>"$LOG_DIR/peer-cli.log" 2>&1 ||
    die "commit failed on '$channel'; see $LOG_DIR/peer-cli.log"
  (use_org_admin "${members[0]}" && peer lifecycle chaincode querycommitted -C "$channel" -n "$CHAINCODE_NAME") \
    >>"$LOG_DIR/peer-cli.log" 2>&1
done
log "chaincode $CHAINCODE_NAME committed on ${CHANNELS[*]}"
