/**
 * Whether the suites that need a running Fabric network may run, and where that network is. `npm run test:fabric`
 * sets OBE_FABRIC_TEST=1 after bringing the native network up; plain `npm test` leaves it unset and these suites
 * are skipped, their titles saying why.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './shell';

export const LIVE = process.env.OBE_FABRIC_TEST === '1';
export const SKIP_REASON = 'needs a running Fabric 2.5 network: run `npm run test:fabric` with the Fabric binaries on PATH';

export const NETWORK_DIR = path.resolve(process.env.OBE_FABRIC_NETWORK_DIR ?? path.join(ROOT, 'network/native/generated'));
export const CONNECTION_FILE = path.resolve(process.env.OBE_FABRIC_CONFIG ?? path.join(NETWORK_DIR, 'connection.json'));

/** `describe` when the network is there, `describe.skip` (with the reason in the title) otherwise. */
export function describeLive(title: string, body: () => void): void {
  if (LIVE) {
    if (!fs.existsSync(CONNECTION_FILE)) throw new Error(`OBE_FABRIC_TEST=1 but there is no connection config at ${CONNECTION_FILE}`);
    describe(title, body);
  } else {
    describe.skip(`${title} [skipped: ${SKIP_REASON}]`, body);
  }
}

/** A peer's data directory (CORE_PEER_FILESYSTEMPATH as network/native/up.sh sets it). */
export function peerDataDir(org: 'gridoperator' | 'utility' | 'regulator'): string {
  return path.join(NETWORK_DIR, 'data', `peer-${org}`);
}
