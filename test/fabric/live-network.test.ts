import { randomBytes, randomInt } from 'node:crypto';
/**
 * Checks on the running native network (npm run test:fabric): the chaincode went through the peer lifecycle with
 * its collections, governance maps the MSP IDs onto OBE roles, and a private record reaches exactly the peers of
 * the orgs in its collection — checked in the peers' private data stores on disk, not only through the API.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fabricCall } from './support/fabric-call';
import { describeLive, NETWORK_DIR, peerDataDir } from './support/live';
import { filesContaining } from './support/peer-store';
import { NATIVE, ROOT } from './support/shell';

import { TX } from '@obe/chaincode';
const call = (label: string, mode: 'submit' | 'evaluate', fn: string, args: string[] = [], transient: Record<string, string> = {}) =>
  fabricCall({ label, mode, fn, args, transient });

/** The peer CLI as an org's admin, exactly as the network scripts run it. */
function peerCli(org: string, command: string): string {
  const script = `source "${NATIVE}/lib.sh" && use_org_admin ${org} && ${command}`;
  const result = spawnSync('bash', ['-c', script], {
    env: { ...process.env, OBE_NETWORK_DIR: NETWORK_DIR },
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (result.status !== 0) throw new Error(`peer CLI failed (${command}): ${result.stderr}`);
  return result.stdout;
}

describeLive('native Fabric network', () => {
  it.each([
    ['energy', ['gridoperator', 'utility', 'regulator']],
    ['audit', ['gridoperator', 'regulator']],
  ])('committed obe on %s through the lifecycle, approved by every member, with its collections', (channel, orgs) => {
    const expected = (JSON.parse(fs.readFileSync(path.join(ROOT, 'collections', `${channel}.json`), 'utf8')) as { name: string }[])
      .map((c) => c.name)
      .sort();
    for (const org of orgs) {
      const committed = JSON.parse(peerCli(org, `peer lifecycle chaincode querycommitted -C ${channel} -n obe -O json`)) as {
        sequence: number;
        approvals: Record<string, boolean>;
        collections: { config: { Payload: { StaticCollectionConfig: { name: string } } }[] };
      };
      expect(committed.sequence).toBeGreaterThanOrEqual(1);
      expect(Object.values(committed.approvals).every(Boolean)).toBe(true);
      expect(Object.keys(committed.approvals)).toHaveLength(orgs.length);
      expect(committed.collections.config.map((c) => c.Payload.StaticCollectionConfig.name).sort()).toEqual(expected);
      // Installed through `peer lifecycle chaincode install` on this org's own peer (no dev mode).
      const installed = JSON.parse(peerCli(org, 'peer lifecycle chaincode queryinstalled -O json')) as {
        installed_chaincodes: { package_id: string; references?: Record<string, unknown> }[];
      };
      expect(installed.installed_chaincodes.some((cc) => cc.references && channel in cc.references)).toBe(true);
    }
  });

  it('governance maps the native MSP IDs onto the OBE org roles, readable by every org', () => {
    for (const label of ['gridoperator-user1', 'utility-user1', 'regulator-user1']) {
      const governance = JSON.parse(call(label, 'evaluate', TX.Governance.GetConfig.name)) as {
        config: { orgs: Record<string, string[]>; tokenIssuerMspId: string };
      };
      expect(governance.config.orgs).toEqual({
        GridOperatorMSP: ['MARKET_OPERATOR', 'DSO', 'GENERATOR'],
        RegulatorMSP: ['REGULATOR'],
        UtilityMSP: ['UTILITY'],
      });
      expect(governance.config.tokenIssuerMspId).toBe('GridOperatorMSP');
    }
  });

  it("keeps the grid operator's private wholesale curve off the utility's peer, on disk", () => {
    // A network reused across runs may have registered this identity already.
    const me = JSON.parse(call('gridoperator-user1', 'evaluate', TX.Participants.WhoAmI.name)) as { pseudonym: string; registered: boolean };
    if (!me.registered) call('gridoperator-user1', 'submit', TX.Participants.Register.name);
    for (const role of ['MARKET_OPERATOR', 'DSO']) {
      call('gridoperator-admin', 'submit', TX.Participants.GrantRole.name, [JSON.stringify({ pseudonym: me.pseudonym, role })]);
    }
    call('gridoperator-user1', 'submit', TX.Tokens.Mint.name, [JSON.stringify({ account: me.pseudonym })], {
      movement: JSON.stringify({ amount: 1_000_000, salt: randomBytes(24).toString('hex') }),
    });

    const day = 86_400_000;
    const interval = new Date((Math.floor(Date.now() / day) + 3) * day).toISOString();
    // The quantity travels only in the transient map and lives only in the private record: a needle unique to this
    // run. (The stored salt is derived from the transient one and the participant's secret, crypto-shredding.)
    const salt = `obe-fabric-salt-${process.pid}-${Date.now().toString(36)}`;
    const quantityWh = randomInt(100_003, 999_983);
    const needle = `"quantityWh":${quantityWh}`;
    const curve = JSON.stringify({ side: 'DEMAND', blocks: [{ price: 1, quantityWh }], salt });
    const placed = JSON.parse(
      call('gridoperator-user1', 'submit', TX.WholesaleMarket.SubmitCurve.name, [JSON.stringify({ interval })], { curve }),
    ) as { collection: string; orderId: string };
    expect(placed.collection).toBe('orders_GridOperatorMSP');

    // Members of orders_GridOperatorMSP (grid operator, regulator) hold the record in their private data store —
    // the positive control that the scan finds what is there.
    for (const member of ['gridoperator', 'regulator'] as const) {
      expect(filesContaining(peerDataDir(member), needle)).toEqual(
        expect.arrayContaining([expect.stringMatching(/^ledgersData\/pvtdataStore\//)]),
      );
    }
    // The utility is on the channel but not in the collection: nothing anywhere under its peer's directory.
    expect(filesContaining(peerDataDir('utility'), needle)).toEqual([]);
    // The public record carries only a commitment, never the salt, on every peer.
    const publicRecord = call('utility-user1', 'evaluate', TX.WholesaleMarket.ListCurves.name, [JSON.stringify({ interval })]);
    expect(publicRecord).toContain(placed.orderId);
    expect(publicRecord).not.toContain(salt);
    expect(publicRecord).not.toContain(needle);
  });
});
