#!/usr/bin/env bash
# Stops the test-network (including Org3) and removes OBE's generated files for it. Usage:
#   bash network/test-network/down.sh <fabric-samples dir>
set -euo pipefail
# shellcheck source=network/test-network/lib.sh
source "$(dirname "$0")/lib.sh"
use_fabric_samples "${1:-}"
(cd "$TN" && ./network.sh down)
rm -rf "$GEN_DIR"
log "test-network is down"
