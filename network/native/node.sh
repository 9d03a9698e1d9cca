#!/usr/bin/env bash
# One node of the running native network, for tests that take a node away under load (test/fabric/submit-outcomes):
#   node.sh kill  <orderer|peer-gridoperator|peer-utility|peer-regulator>   SIGKILL the recorded process, as a crash would
#   node.sh start <name>                                                     start it again over its data and wait for its port
#   node.sh compact peer-<org>   stop the peer (SIGTERM), rebuild every LevelDB store under its file system path so that
#                                deleted values (an erasure's purged private data) are gone from its disk
#                                (npm run peer:compact, docs/operations.md), start it again and wait for its port
# Only a process this network recorded (generated/run/<name>.pid, its program checked) is ever signalled.
set -euo pipefail
# shellcheck source=network/native/lib.sh
source "$(dirname "$0")/lib.sh"

usage() {
  echo "usage: node.sh kill|start orderer|peer-<org>, node.sh compact peer-<org>" >&2
  exit 2
}

[ $# -eq 2 ] || usage
action=$1
name=$2
case "$name" in
  orderer) ;;
  peer-gridoperator | peer-utility | peer-regulator) ;;
  *) usage ;;
esac

case "$action" in
  kill)
    pidfile="$RUN_DIR/$name.pid"
    [ -f "$pidfile" ] || die "$name is not running (no $pidfile)"
    pid=$(cat "$pidfile")
    if [[ "$pid" =~ ^[0-9]+$ ]] && process_running "$pid" && recorded_program_matches "$pid" "$name"; then
      kill -KILL "$pid"
      for _ in $(seq 40); do
        process_running "$pid" || break
        sleep 0.25
      done
      log "killed $name (PID $pid, SIGKILL)"
    else
      log "$name (PID $pid) was not running"
    fi
    rm -f "$pidfile"
    ;;
  start)
    require_fabric_binaries || exit $?
    if [ "$name" = orderer ]; then
      start_orderer
      wait_for_port orderer "$ORDERER_ADDRESS" "$LOG_DIR/orderer.log"
    else
      org=${name#peer-}
      start_peer "$org"
      wait_for_port "$name" "127.0.0.1:$(org_peer_port "$org")" "$LOG_DIR/$name.log"
    fi
    ;;
  compact)
    [ "$name" != orderer ] || usage # the orderer holds no private data: its blocks carry only hashes of it
    require_fabric_binaries || exit $?
    org=${name#peer-}
    if [ -f "$RUN_DIR/$name.pid" ]; then stop_recorded "$RUN_DIR/$name.pid"; fi
    started=$(date +%s)
    # The peer stays down when the compaction fails (a store in use or a copy that differs): its stores are as they were.
    (cd "$OBE_ROOT" && npx --no-install tsx network/lib/compact-leveldb-cli.ts "$DATA_DIR/$name")
    start_peer "$org"
    wait_for_port "$name" "127.0.0.1:$(org_peer_port "$org")" "$LOG_DIR/$name.log"
    log "compacted $name's stores and restarted it in $(($(date +%s) - started)) s"
    ;;
  *) usage ;;
esac
