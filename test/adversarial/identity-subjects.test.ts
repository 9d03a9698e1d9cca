/**
 * Issue #12, defect 4: a client certificate whose subject only LOOKS like it holds `OU=admin` must not count as an org
 * admin. The chaincode reads the subject's RDN structure (OID 2.5.4.11), never a printed subject string. Each hostile
 * certificate below is issued by the org's own CA, as a careless registrar or a self-service enrolment would.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import type { Identity } from '@obe/fabric-embedded';
import { expectRefused, GRID, ObeNet, outcome, UTILITY } from '../chaincode/support';

import { TX } from '@obe/chaincode';
type JsonName = { [type: string]: string[] }[];

/**
 * An identity whose certificate has exactly `subject` (and `issuer` as its issuer name, still signed by the org CA).
 * The label doubles as the CN of the first RDN so that a CA that writes the label into the CN reproduces the attack.
 */
function hostile(net: ObeNet, mspId: string, label: string, subject: JsonName, issuer?: JsonName): Promise<Identity> {
  const options: Record<string, unknown> = { subject, ...(issuer ? { issuer } : {}) };
  return net.identity(mspId, label, options as never);
}

const CYRILLIC_A = '\u0430';

describe('defect 4: a certificate is an org admin only by its parsed subject', () => {
  let net: ObeNet;

  beforeAll(async () => {
    net = await ObeNet.start();
  });
  afterAll(() => net.close());

  /** Registers the identity and has it grant itself a role: only an admin of its org may. */
  async function grantsItself(identity: Identity, role = 'PROSUMER', mspId = UTILITY): Promise<string> {
    const me = await net.submit<{ pseudonym: string }>(identity, TX.Participants.Register);
    expect(me.pseudonym).toMatch(/^p-[0-9a-f]{40}$/);
    const result = await outcome(net.submit(identity, TX.Participants.GrantRole, [{ pseudonym: me.pseudonym, role: mspId === UTILITY ? role : 'GENERATOR' }]));
    return result;
  }

  /** An X.509 name from its RDNs (an RDN with several keys is a multi-valued RDN). */
  const name = (...rdns: Record<string, string[]>[]): JsonName => rdns;
  const cases: [string, (label: string) => JsonName][] = [
    ['a CN containing "+OU=admin"', (label) => name({ CN: [label] }, { OU: ['client'] }, { O: [UTILITY] })],
    ['a CN containing ",OU=admin"', (label) => name({ CN: [label] }, { OU: ['client'] }, { O: [UTILITY] })],
    ['a CN containing "\\nOU=admin"', (label) => name({ CN: [label] }, { OU: ['client'] }, { O: [UTILITY] })],
    ['a CN containing "/OU=admin" (fabric-shim’s printed form)', (label) => name({ CN: [label] }, { OU: ['client'] }, { O: [UTILITY] })],
    ['a multi-valued RDN whose CN value holds "+OU=admin"', (label) => name({ CN: [label], OU: ['client'] }, { O: [UTILITY] })],
    ['an O value holding "+OU=admin"', (label) => name({ CN: [label] }, { OU: ['client'] }, { O: [`${UTILITY}+OU=admin`] })],
  ];
  const labels = ['mallory+OU=admin', 'mallory,OU=admin', 'mallory\nOU=admin', 'mallory/OU=admin', 'mallory-mv+OU=admin', 'mallory-o+OU=admin'];

  it.each(cases.map(([what, subject], i) => [what, subject, labels[i]] as const))('refuses %s', async (_what, subject, label) => {
    const identity = await hostile(net, UTILITY, label, subject(label));
    // The certificate really carries the hostile text, inside one attribute value.
    const cert = new x509.X509Certificate(identity.certificate);
    expect(cert.subjectName.getField('2.5.4.11')).toEqual(['client']);
    expect(await grantsItself(identity)).toBe('FORBIDDEN');
  });

  it('refuses OU=admin in the ISSUER name only', async () => {
    const identity = await hostile(net, UTILITY, 'mallory-issuer', [{ CN: ['mallory-issuer'] }, { OU: ['client'] }, { O: [UTILITY] }], [
      { CN: ['ca.utilitymsp'] },
      { OU: ['admin'] },
      { O: [UTILITY] },
    ]);
    expect(await grantsItself(identity)).toBe('FORBIDDEN');
  });

  it('refuses a unicode look-alike of "admin" as the OU (Cyrillic а), and a CN holding "+OU=аdmin"', async () => {
    const lookalike = `${CYRILLIC_A}dmin`;
    const a = await hostile(net, UTILITY, 'mallory-lookalike', [{ CN: ['mallory-lookalike'] }, { OU: [lookalike] }, { O: [UTILITY] }]);
    expect(await grantsItself(a)).toBe('FORBIDDEN');
    const b = await hostile(net, UTILITY, `mallory+OU=${lookalike}`, [{ CN: [`mallory+OU=${lookalike}`] }, { OU: ['client'] }, { O: [UTILITY] }]);
    expect(await grantsItself(b)).toBe('FORBIDDEN');
  });

  it('refuses a certificate holding both NodeOUs client and admin (Fabric’s MSP deems it invalid)', async () => {
    const identity = await hostile(net, UTILITY, 'mallory-both', [{ CN: ['mallory-both'] }, { OU: ['client'] }, { OU: ['admin'] }, { O: [UTILITY] }]);
    expect(await grantsItself(identity)).toBe('FORBIDDEN');
  });

  it('refuses a hostile grid-operator identity a governance update (nothing written)', async () => {
    const identity = await hostile(net, GRID, 'eve+OU=admin', [{ CN: ['eve+OU=admin'] }, { OU: ['client'] }, { O: [GRID] }]);
    await expectRefused(net, () => net.submit(identity, TX.Governance.UpdateConfig, [{ gateClosureMinutes: 1 }]), 'FORBIDDEN', /requires an admin of GridOperatorMSP/);
  });

  it('still accepts the org’s real admin, and an OU=admin attribute inside a multi-valued RDN as Fabric’s MSP does', async () => {
    const target = await net.identity(UTILITY, 'plain-household');
    const { pseudonym } = await net.submit<{ pseudonym: string }>(target, TX.Participants.Register);
    await net.submit(await net.admin(UTILITY), TX.Participants.GrantRole, [{ pseudonym, role: 'CONSUMER' }]);
    const multi = await hostile(net, UTILITY, 'real-admin-mv', [{ CN: ['real-admin-mv'], OU: ['admin'] }, { O: [UTILITY] }]);
    expect(await outcome(net.submit(multi, TX.Participants.GrantRole, [{ pseudonym, role: 'PROSUMER' }]))).toBe('OK');
  });

  it('gives two certificates that fabric-shim prints alike two different pseudonyms', async () => {
    // fabric-shim's getID() escapes only the first '/' of a value: both subjects print as /CN=a\/b/OU=client/O=UtilityMSP.
    const one = await hostile(net, UTILITY, 'print-alike-1', [{ CN: ['a/b/OU=client'] }, { O: [UTILITY] }]);
    const two = await hostile(net, UTILITY, 'print-alike-2', [{ CN: ['a/b'] }, { OU: ['client'] }, { O: [UTILITY] }]);
    const first = await net.submit<{ pseudonym: string }>(one, TX.Participants.Register);
    const whoIsTwo = await net.evaluate<{ pseudonym: string; registered: boolean }>(two, TX.Participants.WhoAmI);
    expect(whoIsTwo.pseudonym).not.toBe(first.pseudonym);
    expect(whoIsTwo.registered).toBe(false);
  });
});
