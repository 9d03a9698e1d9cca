/** A directory tree shaped like cryptogen output (peerOrganizations/<domain>/...), with placeholder files. */
import fs from 'node:fs';
import path from 'node:path';
import type { OrgLayout } from '../../../network/lib/connection-config';

export function writeFakeCrypto(root: string, orgs: readonly OrgLayout[]): void {
  for (const { domain, extraUsers = [] } of orgs) {
    const orgDir = path.join(root, 'peerOrganizations', domain);
    const tls = path.join(orgDir, 'peers', `peer0.${domain}`, 'tls');
    fs.mkdirSync(tls, { recursive: true });
    fs.writeFileSync(path.join(tls, 'ca.crt'), 'CA');
    for (const user of ['Admin', 'User1', ...extraUsers.map((_, i) => `User${i + 2}`)]) {
      const msp = path.join(orgDir, 'users', `${user}@${domain}`, 'msp');
      fs.mkdirSync(path.join(msp, 'signcerts'), { recursive: true });
      fs.mkdirSync(path.join(msp, 'keystore'), { recursive: true });
      fs.writeFileSync(path.join(msp, 'signcerts', `${user}@${domain}-cert.pem`), 'CERT');
      fs.writeFileSync(path.join(msp, 'keystore', 'priv_sk'), 'KEY');
    }
  }
}
