#!/usr/bin/env bash
# Placeholder, replaced below once the governance contract exists.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
log "governance init: pending"
