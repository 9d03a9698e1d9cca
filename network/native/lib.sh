#!/usr/bin/env bash
# Shared definitions for the native OBE network scripts (sourced, never run). One orderer and one peer per org,
# all on 127.0.0.1; every generated file lives under network/native/generated/ (gitignored).

# shellcheck disable=SC2034 # definitions used by the scripts that source this file
OBE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
NATIVE_DIR="$OBE_ROOT/network/native"
CONFIG_DIR="$NATIVE_DIR/config"
# OBE_NETWORK_DIR lets tests point the scripts at a scratch directory; normal use keeps the default.
GEN_DIR=${OBE_NETWORK_DIR:-$NATIVE_DIR/generated}
CRYPTO_DIR="$GEN_DIR/crypto"
RUN_DIR="$GEN_DIR/run"
LOG_DIR="$GEN_DIR/logs"
DATA_DIR="$GEN_DIR/data"
ARTIFACTS_DIR="$GEN_DIR/artifacts"

FABRIC_MAJOR_MINOR="2.5"
REQUIRED_BINARIES=(peer orderer configtxgen osnadmin cryptogen)

CHAINCODE_NAME="obe"
CHANNELS=(energy audit)

ORDERER_HOST="orderer.obe.local"
ORDERER_ADDRESS="127.0.0.1:7050"
ORDERER_ADMIN_ADDRESS="127.0.0.1:7053"
ORDERER_OPERATIONS_ADDRESS="127.0.0.1:9443"
ORDERER_ORG_DIR="$CRYPTO_DIR/ordererOrganizations/obe.local"
ORDERER_TLS_CA="$ORDERER_ORG_DIR/orderers/$ORDERER_HOST/tls/ca.crt"

# Org keys as used in identity labels (<org>-admin, <org>-user1) and directory names.
ORGS=(gridoperator utility regulator)

org_msp() {
  case "$1" in
    gridoperator) echo GridOperatorMSP ;;
    utility) echo UtilityMSP ;;
    regulator) echo RegulatorMSP ;;
    *) echo "unknown org '$1'" >&2; return 1 ;;
  esac
}

# Peer gRPC port; the chaincode listener is +1, the chaincode server +8 and the operations port 9444.. per org.
org_peer_port() {
  case "$1" in
    gridoperator) echo 7051 ;;
    utility) echo 9051 ;;
    regulator) echo 11051 ;;
    *) echo "unknown org '$1'" >&2; return 1 ;;
  esac
}

org_operations_port() {
  case "$1" in
    gridoperator) echo 9444 ;;
    utility) echo 9445 ;;
    regulator) echo 9446 ;;
    *) echo "unknown org '$1'" >&2; return 1 ;;
  esac
}

# Channels each org belongs to; `audit` is the grid operator's and the regulator's only.
org_channels() {
  case "$1" in
    gridoperator | regulator) echo "energy audit" ;;
    utility) echo "energy" ;;
    *) echo "unknown org '$1'" >&2; return 1 ;;
  esac
}

channel_orgs() {
  case "$1" in
    energy) echo "gridoperator utility regulator" ;;
    audit) echo "gridoperator regulator" ;;
    *) echo "unknown channel '$1'" >&2; return 1 ;;
  esac
}

channel_profile() {
  case "$1" in
    energy) echo EnergyChannel ;;
    audit) echo AuditChannel ;;
    *) echo "unknown channel '$1'" >&2; return 1 ;;
  esac
}

org_domain() { echo "$1.obe.local"; }
org_peer_host() { echo "peer0.$1.obe.local"; }
org_dir() { echo "$CRYPTO_DIR/peerOrganizations/$(org_domain "$1")"; }
org_peer_dir() { echo "$(org_dir "$1")/peers/$(org_peer_host "$1")"; }
org_peer_tls_ca() { echo "$(org_peer_dir "$1")/tls/ca.crt"; }
org_admin_msp() { echo "$(org_dir "$1")/users/Admin@$(org_domain "$1")/msp"; }
org_user_msp() { echo "$(org_dir "$1")/users/User1@$(org_domain "$1")/msp"; }
org_chaincode_address() { echo "127.0.0.1:$(($(org_peer_port "$1") + 8))"; }

log() { printf '[obe-network] %s\n' "$*" >&2; }
die() { printf '[obe-network] ERROR: %s\n' "$*" >&2; exit 1; }

# Prints the x.y.z version a Fabric binary reports, or nothing. `peer version`, `orderer version` and
# `cryptogen version` print "Version: v2.5.x" (release builds) or "Version: 2.5.x"; configtxgen takes -version.
binary_version() {
  local out
  case "$1" in
    configtxgen) out=$("$1" -version 2>/dev/null) || true ;;
    *) out=$("$1" version 2>/dev/null) || true ;;
  esac
  printf '%s\n' "$out" | sed -n 's/^[[:space:]]*Version:[[:space:]]*v\{0,1\}\([0-9][0-9.]*\).*/\1/p' | head -n 1
}

# Fails with one message naming every missing or wrong binary, so the user fixes PATH once.
require_fabric_binaries() {
  local problems=() bin version
  for bin in "${REQUIRED_BINARIES[@]}"; do
    if ! command -v "$bin" >/dev/null 2>&1; then
      problems+=("$bin: not found on PATH")
      continue
    fi
    # osnadmin reports no Fabric version (its --version is a fixed placeholder); its presence is checked only.
    [ "$bin" = osnadmin ] && continue
    version=$(binary_version "$bin")
    case "$version" in
      "$FABRIC_MAJOR_MINOR".*) ;;
      "") problems+=("$bin ($(command -v "$bin")): could not read its version") ;;
      *) problems+=("$bin ($(command -v "$bin")): version $version, need $FABRIC_MAJOR_MINOR.x") ;;
    esac
  done
  if [ "${#problems[@]}" -gt 0 ]; then
    {
      echo "[obe-network] Hyperledger Fabric $FABRIC_MAJOR_MINOR binaries are required on PATH for the native network:"
      printf '  - %s\n' "${problems[@]}"
      echo "  Install the Fabric $FABRIC_MAJOR_MINOR release binaries (peer, orderer, configtxgen, osnadmin, cryptogen),"
      echo "  e.g. from https://github.com/hyperledger/fabric/releases, and add their bin/ directory to PATH."
    } >&2
    return 3
  fi
}

# Starts a long-running process in the background, detached from this shell, and records its PID. Only PIDs
# recorded here are ever stopped by down.sh.
start_background() {
  local name=$1 logfile=$2
  shift 2
  mkdir -p "$RUN_DIR" "$(dirname "$logfile")"
  if [ -f "$RUN_DIR/$name.pid" ] && kill -0 "$(cat "$RUN_DIR/$name.pid")" 2>/dev/null; then
    die "$name is already running (PID $(cat "$RUN_DIR/$name.pid")); run npm run network:down first"
  fi
  nohup "$@" >"$logfile" 2>&1 </dev/null &
  echo $! >"$RUN_DIR/$name.pid"
  log "started $name (PID $!), log: $logfile"
}

# The orderer and each org's peer as background processes (network:up, and network/native/node.sh to restart one
# that a test killed): the same environment every time, over the same data directories.
start_orderer() {
  local orderer_dir="$ORDERER_ORG_DIR/orderers/$ORDERER_HOST"
  start_background orderer "$LOG_DIR/orderer.log" env \
    FABRIC_CFG_PATH="$CONFIG_DIR" \
    FABRIC_LOGGING_SPEC="${OBE_ORDERER_LOGGING_SPEC:-INFO}" \
    ORDERER_GENERAL_LISTENADDRESS="${ORDERER_ADDRESS%:*}" \
    ORDERER_GENERAL_LISTENPORT="${ORDERER_ADDRESS##*:}" \
    ORDERER_GENERAL_LOCALMSPID=OrdererMSP \
    ORDERER_GENERAL_LOCALMSPDIR="$orderer_dir/msp" \
    ORDERER_GENERAL_TLS_PRIVATEKEY="$orderer_dir/tls/server.key" \
    ORDERER_GENERAL_TLS_CERTIFICATE="$orderer_dir/tls/server.crt" \
    ORDERER_GENERAL_TLS_ROOTCAS="[$orderer_dir/tls/ca.crt]" \
    ORDERER_FILELEDGER_LOCATION="$DATA_DIR/orderer" \
    ORDERER_CONSENSUS_WALDIR="$DATA_DIR/orderer/etcdraft/wal" \
    ORDERER_CONSENSUS_SNAPDIR="$DATA_DIR/orderer/etcdraft/snapshot" \
    ORDERER_OPERATIONS_LISTENADDRESS="$ORDERER_OPERATIONS_ADDRESS" \
    ORDERER_ADMIN_LISTENADDRESS="$ORDERER_ADMIN_ADDRESS" \
    ORDERER_ADMIN_TLS_CERTIFICATE="$orderer_dir/tls/server.crt" \
    ORDERER_ADMIN_TLS_PRIVATEKEY="$orderer_dir/tls/server.key" \
    ORDERER_ADMIN_TLS_CLIENTROOTCAS="[$orderer_dir/tls/ca.crt]" \
    orderer
}

start_peer() {
  local org=$1 port peer_dir builders_yaml
  builders_yaml="[{name: obe-ccaas, path: $NATIVE_DIR/builders/ccaas, propagateEnvironment: [OBE_CHAINCODE_ADDRESS]}]"
  port=$(org_peer_port "$org")
  peer_dir=$(org_peer_dir "$org")
  # A compaction interrupted between its two renames leaves a store only under its retired name; a peer started then
  # would create that store empty. `npm run peer:compact` on the data directory finishes or undoes the swap first.
  if [ -d "$DATA_DIR/peer-$org" ] && [ -n "$(find "$DATA_DIR/peer-$org" -name '*.obe-compact-old' -print -quit)" ]; then
    die "peer-$org has an interrupted store rebuild under $DATA_DIR/peer-$org: run npm run peer:compact -- $DATA_DIR/peer-$org first"
  fi
  start_background "peer-$org" "$LOG_DIR/peer-$org.log" env \
    FABRIC_CFG_PATH="$CONFIG_DIR" \
    FABRIC_LOGGING_SPEC="${OBE_PEER_LOGGING_SPEC:-INFO}" \
    CORE_PEER_ID="$(org_peer_host "$org")" \
    CORE_PEER_LOCALMSPID="$(org_msp "$org")" \
    CORE_PEER_MSPCONFIGPATH="$peer_dir/msp" \
    CORE_PEER_LISTENADDRESS="127.0.0.1:$port" \
    CORE_PEER_ADDRESS="localhost:$port" \
    CORE_PEER_CHAINCODELISTENADDRESS="127.0.0.1:$((port + 1))" \
    CORE_PEER_CHAINCODEADDRESS="127.0.0.1:$((port + 1))" \
    CORE_PEER_GOSSIP_BOOTSTRAP="localhost:$port" \
    CORE_PEER_GOSSIP_EXTERNALENDPOINT="localhost:$port" \
    CORE_PEER_TLS_CERT_FILE="$peer_dir/tls/server.crt" \
    CORE_PEER_TLS_KEY_FILE="$peer_dir/tls/server.key" \
    CORE_PEER_TLS_ROOTCERT_FILE="$peer_dir/tls/ca.crt" \
    CORE_PEER_FILESYSTEMPATH="$DATA_DIR/peer-$org" \
    CORE_LEDGER_SNAPSHOTS_ROOTDIR="$DATA_DIR/peer-$org/snapshots" \
    CORE_OPERATIONS_LISTENADDRESS="127.0.0.1:$(org_operations_port "$org")" \
    CORE_CHAINCODE_EXTERNALBUILDERS="$builders_yaml" \
    OBE_CHAINCODE_ADDRESS="$(org_chaincode_address "$org")" \
    peer node start
}

# A PID file may outlive its process and the PID may since have been reused, so a PID is only signalled when
# its command line still names the program we started (peer, orderer, or the chaincode server).
recorded_program_matches() {
  local pid=$1 name=$2 cmdline program
  if [ -r "/proc/$pid/cmdline" ]; then
    cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  else
    cmdline=$(ps -o command= -p "$pid" 2>/dev/null) || return 1
  fi
  program=$(basename "${cmdline%% *}")
  case "$name" in
    orderer) [ "$program" = orderer ] ;;
    peer-*) [ "$program" = peer ] && [[ "$cmdline" == *" node start"* ]] ;;
    chaincode-*) [[ "$cmdline" == *fabric-chaincode-node\ server* ]] ;;
    *) return 1 ;;
  esac
}

# True while the process exists and is not a zombie (a zombie has exited; only its parent has yet to reap it).
process_running() {
  local state
  kill -0 "$1" 2>/dev/null || return 1
  if [ -r "/proc/$1/stat" ]; then
    state=$(sed -n 's/^[0-9]* (.*) \([A-Z]\).*/\1/p' "/proc/$1/stat" 2>/dev/null) || return 1
  else
    state=$(ps -o stat= -p "$1" 2>/dev/null) || return 1 # macOS and other systems without /proc
  fi
  [[ "$state" != Z* ]]
}

stop_recorded() {
  local pidfile=$1 name pid
  name=$(basename "$pidfile" .pid)
  pid=$(cat "$pidfile" 2>/dev/null || true)
  if [[ "$pid" =~ ^[0-9]+$ ]] && process_running "$pid" && recorded_program_matches "$pid" "$name"; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 40); do
      process_running "$pid" || break
      sleep 0.25
    done
    if process_running "$pid"; then
      log "$name (PID $pid) ignored SIGTERM; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    log "stopped $name (PID $pid)"
  fi
  rm -f "$pidfile"
}

# Every loopback port the network listens on: orderer (client, admin, operations) and per org the peer, its
# chaincode listener, the org's chaincode server and the peer's operations endpoint.
network_ports() {
  local org port
  echo "${ORDERER_ADDRESS##*:} ${ORDERER_ADMIN_ADDRESS##*:} ${ORDERER_OPERATIONS_ADDRESS##*:}"
  for org in "${ORGS[@]}"; do
    port=$(org_peer_port "$org")
    echo "$port $((port + 1)) $((port + 8)) $(org_operations_port "$org")"
  done
}

# Fails naming every port something else already listens on: a node that cannot bind would otherwise be
# mistaken for a started one by whoever answers on its port.
require_free_ports() {
  local busy=() port
  for port in $(network_ports); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then busy+=("$port"); fi
  done
  [ "${#busy[@]}" -eq 0 ] || die "ports already in use on 127.0.0.1: ${busy[*]} (another network or service is running)"
}

# Waits until host:port accepts TCP connections (bash /dev/tcp, no extra tools), failing with the log tail.
wait_for_port() {
  local name=$1 address=$2 logfile=$3 tries=${4:-60}
  local host=${address%:*} port=${address##*:}
  for _ in $(seq "$tries"); do
    if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then
      # Listening, and by the process we started (ports were free before it started).
      if [ ! -f "$RUN_DIR/$name.pid" ] || process_running "$(cat "$RUN_DIR/$name.pid")"; then return 0; fi
    fi
    if [ -f "$RUN_DIR/$name.pid" ] && ! kill -0 "$(cat "$RUN_DIR/$name.pid")" 2>/dev/null; then
      tail -n 30 "$logfile" >&2 || true
      die "$name exited during startup; see $logfile"
    fi
    sleep 0.5
  done
  tail -n 30 "$logfile" >&2 || true
  die "$name did not listen on $address in time; see $logfile"
}

# Environment for the peer CLI acting as an org's admin against that org's peer.
use_org_admin() {
  local org=$1
  export FABRIC_CFG_PATH="$CONFIG_DIR"
  export CORE_PEER_TLS_ENABLED=true
  export CORE_PEER_LOCALMSPID
  CORE_PEER_LOCALMSPID=$(org_msp "$org")
  export CORE_PEER_MSPCONFIGPATH
  CORE_PEER_MSPCONFIGPATH=$(org_admin_msp "$org")
  export CORE_PEER_ADDRESS
  CORE_PEER_ADDRESS="localhost:$(org_peer_port "$org")"
  export CORE_PEER_TLS_ROOTCERT_FILE
  CORE_PEER_TLS_ROOTCERT_FILE=$(org_peer_tls_ca "$org")
  export FABRIC_LOGGING_SPEC=${OBE_CLI_LOGGING_SPEC:-WARNING}
}
