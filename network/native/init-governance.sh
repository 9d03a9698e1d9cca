#!/usr/bin/env bash
# Initialises OBE governance on `energy` and `audit` (Governance:InitConfig as the grid operator's admin): which
# MSP ID holds which org role. Run by up.sh after deploy.sh; safe to re-run (configured channels are skipped).
set -euo pipefail
# shellcheck source=network/native/lib.sh
source "$(dirname "$0")/lib.sh"
connection=${1:-$GEN_DIR/connection.json}
[ -f "$connection" ] || die "no connection config at $connection"
npx --no-install tsx "$OBE_ROOT/network/lib/init-governance-cli.ts" native "$connection"
