#!/usr/bin/env bash
# Packages the chaincode exactly as `peer lifecycle chaincode package --lang node` does: a tar.gz holding
# metadata.json {"type":"node"} and code.tar.gz with the package under src/. The package carries its own
# package-lock.json so a peer's node builder can run `npm ci --only=production` and then `npm start`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
version=$(node -p "require('$root/chaincode/package.json').version")
label=${CC_LABEL:-obe_${version}}
out=${1:-$root/dist/obe-chaincode.tar.gz}

npm run build --workspace chaincode --prefix "$root" >/dev/null

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/src"
cp "$root/chaincode/package.json" "$stage/src/"
cp -R "$root/chaincode/dist" "$stage/src/dist"
find "$stage/src/dist" \( -name '*.map' -o -name '.tsbuildinfo' -o -name '.build-stamp' \) -delete
# The workspace lockfile covers the whole repository; the chaincode gets a lockfile of its own dependencies.
(cd "$stage/src" && npm install --package-lock-only --omit=dev --ignore-scripts --no-audit --no-fund >/dev/null)
tar -C "$stage" -czf "$stage/code.tar.gz" src
printf '{"path":"","type":"node","label":"%s"}\n' "$label" > "$stage/metadata.json"
mkdir -p "$(dirname "$out")"
tar -C "$stage" -czf "$out" metadata.json code.tar.gz
echo "$out"
