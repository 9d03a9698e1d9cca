#!/usr/bin/env bash
# Shared definitions for running OBE on the fabric-samples test-network (Docker). Sourced by the scripts in this
# directory after they set FABRIC_SAMPLES to the user's fabric-samples checkout.
#
# OBE org -> test-network org: grid operator = Org1MSP, utility = Org2MSP, regulator = Org3MSP (added with
# addOrg3). The chaincode never sees these names: the governance configuration maps them onto OBE roles.

# shellcheck disable=SC2034 # definitions used by the scripts that source this file
OBE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TN_OBE_DIR="$OBE_ROOT/network/test-network"
GEN_DIR=${OBE_TEST_NETWORK_DIR:-$TN_OBE_DIR/generated}

log() { printf '[obe-test-network] %s\n' "$*" >&2; }
die() { printf '[obe-test-network] ERROR: %s\n' "$*" >&2; exit 1; }

# Validates the checkout and sets the paths test-network's own scripts use.
use_fabric_samples() {
  [ -n "${1:-}" ] || die "give the path of your fabric-samples checkout, e.g. $0 ~/fabric-samples"
  FABRIC_SAMPLES=$(cd "$1" 2>/dev/null && pwd) || die "no directory $1"
  TN="$FABRIC_SAMPLES/test-network"
  [ -x "$TN/network.sh" ] || die "$FABRIC_SAMPLES has no test-network/network.sh; is it a fabric-samples checkout?"
  [ -x "$TN/addOrg3/addOrg3.sh" ] || die "$TN has no addOrg3/addOrg3.sh"
  # The samples' install script puts the binaries in bin/ and their default configuration in config/.
  export PATH="$FABRIC_SAMPLES/bin:$PATH"
  export FABRIC_CFG_PATH="$FABRIC_SAMPLES/config"
  local bin
  for bin in peer configtxgen osnadmin; do
    command -v "$bin" >/dev/null || die "$bin not found in $FABRIC_SAMPLES/bin or on PATH (run fabric-samples' install-fabric.sh binary)"
  done
  peer version 2>/dev/null | grep -Eq 'Version: v?2\.5\.' || die "peer is not Fabric 2.5 ($(command -v peer))"
  ORGS_DIR="$TN/organizations"
  ORDERER_CA="$ORGS_DIR/ordererOrganizations/example.com/tlsca/tlsca.example.com-cert.pem"
  ORDERER_TLS_DIR="$ORGS_DIR/ordererOrganizations/example.com/orderers/orderer.example.com/tls"
  ORDERER_ARGS=(-o localhost:7050 --ordererTLSHostnameOverride orderer.example.com --tls --cafile "$ORDERER_CA")
}

tn_peer_port() {
  case "$1" in
    1) echo 7051 ;;
    2) echo 9051 ;;
    3) echo 11051 ;;
    *) die "unknown org $1" ;;
  esac
}

tn_peer_tls_ca() { echo "$ORGS_DIR/peerOrganizations/org$1.example.com/peers/peer0.org$1.example.com/tls/ca.crt"; }

# The peer CLI as org N's admin, against org N's peer.
use_tn_admin() {
  export CORE_PEER_TLS_ENABLED=true
  export CORE_PEER_LOCALMSPID="Org$1MSP"
  export CORE_PEER_TLS_ROOTCERT_FILE
  CORE_PEER_TLS_ROOTCERT_FILE=$(tn_peer_tls_ca "$1")
  export CORE_PEER_MSPCONFIGPATH="$ORGS_DIR/peerOrganizations/org$1.example.com/users/Admin@org$1.example.com/msp"
  export CORE_PEER_ADDRESS
  CORE_PEER_ADDRESS="localhost:$(tn_peer_port "$1")"
}

# Test-network org numbers on each OBE channel.
tn_channel_orgs() {
  case "$1" in
    energy) echo "1 2 3" ;;
    audit) echo "1 3" ;;
    *) die "unknown channel $1" ;;
  esac
}
