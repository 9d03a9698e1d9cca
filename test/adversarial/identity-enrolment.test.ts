/**
 * Issue #12, defect 10: the creator's certificate travels in every block, so the enrolment ID in it (CN and Fabric
 * CA's hf.EnrollmentID) must be random and meaningless. The human label an identity is asked for stays off-chain, in
 * the runtime's wallet file.
 */
import fs from 'node:fs';
import path from 'node:path';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { ObeNet, UTILITY } from '../chaincode/support';

import { TX } from '@obe/chaincode';
const LABEL = 'customer-4711-jane-doe';
const PIECES = ['customer', '4711', 'jane', 'doe'];

function der(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
}

describe('defect 10: enrolment IDs in certificates and blocks are random', () => {
  let net: ObeNet;

  beforeAll(async () => {
    net = await ObeNet.start();
  });
  afterAll(() => net.close());

  it('issues a certificate whose CN and hf.EnrollmentID say nothing of the label', async () => {
    const identity = await net.identity(UTILITY, LABEL);
    const cert = new x509.X509Certificate(identity.certificate);
    const [cn] = cert.subjectName.getField('CN');
    expect(cn).toMatch(/^id-[0-9a-f]{32}$/);
    const attrs = JSON.parse(Buffer.from(cert.getExtension('1.2.3.4.5.6.7.8.1')!.value).toString('utf8')) as { attrs: Record<string, string> };
    expect(attrs.attrs['hf.EnrollmentID']).toBe(cn);
    const bytes = der(identity.certificate).toString('latin1').toLowerCase();
    for (const piece of PIECES) expect(bytes).not.toContain(piece);
    // The label is the wallet's business: asked again, the same identity comes back.
    expect((await net.identity(UTILITY, LABEL)).certificate).toBe(identity.certificate);
  });

  it('keeps the label out of every block the identity signs', async () => {
    const identity = await net.identity(UTILITY, LABEL);
    const before = net.fabric.height('energy');
    await net.submit(identity, TX.Participants.Register);
    let seen = 0;
    for (let n = before; n < net.fabric.height('energy'); n++) {
      const block = net.fabric.block('energy', n);
      const text = JSON.stringify(block).toLowerCase();
      for (const tx of block.transactions) {
        seen++;
        const creator = der(tx.creator.certificate).toString('latin1').toLowerCase();
        for (const piece of PIECES) expect(creator).not.toContain(piece);
      }
      for (const piece of ['jane', '4711']) expect(text).not.toContain(piece);
    }
    expect(seen).toBeGreaterThan(0);
    // Off-chain only: the runtime's wallet maps the label to the identity.
    const walletFile = path.join(net.fabric.dataDir, 'cas', UTILITY, 'users', `${encodeURIComponent(LABEL)}.json`);
    const wallets = fs.existsSync(walletFile) ? [walletFile] : findFiles(net.fabric.dataDir, `${encodeURIComponent(LABEL)}.json`);
    expect(wallets.length).toBe(1);
    expect(JSON.parse(fs.readFileSync(wallets[0], 'utf8')).name).toBe(LABEL);
  });

  it('gives every identity its own unrelated enrolment ID, admins included', async () => {
    const ids = new Set<string>();
    for (const [label, admin] of [['household-1', false], ['household-2', false], ['admin', true]] as const) {
      const cert = new x509.X509Certificate((await net.identity(UTILITY, label, { admin })).certificate);
      const [cn] = cert.subjectName.getField('CN');
      expect(cn).toMatch(/^id-[0-9a-f]{32}$/);
      expect(cn).not.toContain(label);
      ids.add(cn);
    }
    expect(ids.size).toBe(3);
  });
});

function findFiles(dir: string, name: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...findFiles(full, name));
    else if (entry.name === name) out.push(full);
  }
  return out;
}
