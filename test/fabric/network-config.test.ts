import fs from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { NATIVE } from './support/shell';

type Yaml = Record<string, unknown>;
const load = (file: string): Yaml => yaml.load(fs.readFileSync(path.join(NATIVE, 'config', file), 'utf8')) as Yaml;
const get = (doc: unknown, dotted: string): unknown =>
  dotted.split('.').reduce<unknown>((node, key) => (node as Yaml | undefined)?.[key], doc);

interface Org {
  Name: string;
  ID: string;
  MSPDir: string;
  Policies: Record<string, { Type: string; Rule: string }>;
  AnchorPeers?: { Host: string; Port: number }[];
}

describe('native network configuration', () => {
  const configtx = load('configtx.yaml');
  const profile = (name: string) => get(configtx, `Profiles.${name}`) as Yaml;
  const appOrgs = (name: string) => (get(profile(name), 'Application.Organizations') as Org[]).map((o) => o.ID);

  it('puts all three orgs on energy and only the grid operator and the regulator on audit', () => {
    expect(appOrgs('EnergyChannel')).toEqual(['GridOperatorMSP', 'UtilityMSP', 'RegulatorMSP']);
    expect(appOrgs('AuditChannel')).toEqual(['GridOperatorMSP', 'RegulatorMSP']);
  });

  it('uses V2_5 application capabilities and a raft orderer with the orderer org on both channels', () => {
    for (const name of ['EnergyChannel', 'AuditChannel']) {
      expect(get(profile(name), 'Application.Capabilities')).toEqual({ V2_5: true });
      expect(get(profile(name), 'Capabilities')).toEqual({ V2_0: true });
      expect(get(profile(name), 'Orderer.OrdererType')).toBe('etcdraft');
      expect((get(profile(name), 'Orderer.Organizations') as Org[]).map((o) => o.ID)).toEqual(['OrdererMSP']);
      expect(get(profile(name), 'Orderer.EtcdRaft.Consenters')).toHaveLength(1);
      expect(get(profile(name), 'Consortium')).toBeUndefined();
    }
  });

  it('cuts blocks within a short timeout (chosen by measurement, docs/performance.md), by size only when they fill', () => {
    const orderer = get(profile('EnergyChannel'), 'Orderer') as Yaml;
    expect(orderer.BatchTimeout).toBe('50ms');
    expect(get(orderer, 'BatchSize.PreferredMaxBytes')).toBe('2 MB');
    expect(get(orderer, 'BatchSize.MaxMessageCount')).toBeGreaterThanOrEqual(500);
  });

  it('gives each org NodeOU-based policies: peers endorse, admins administer, clients write', () => {
    const orgs = get(profile('EnergyChannel'), 'Application.Organizations') as Org[];
    for (const org of orgs) {
      expect(org.Policies.Endorsement!.Rule).toBe(`OR('${org.ID}.peer')`);
      expect(org.Policies.Admins!.Rule).toBe(`OR('${org.ID}.admin')`);
      expect(org.Policies.Writers!.Rule).toBe(`OR('${org.ID}.admin', '${org.ID}.client')`);
      expect(org.AnchorPeers).toHaveLength(1);
      expect(org.MSPDir).toMatch(/^\.\.\/generated\/crypto\/peerOrganizations\/[a-z]+\.obe\.local\/msp$/);
    }
    expect(get(profile('EnergyChannel'), 'Application.Policies.LifecycleEndorsement.Rule')).toBe('MAJORITY Endorsement');
  });

  it('enables NodeOUs and an admin plus a user for every org in the cryptogen input', () => {
    const crypto = load('crypto-config.yaml');
    const peerOrgs = crypto.PeerOrgs as { Domain: string; EnableNodeOUs: boolean; Users: { Count: number } }[];
    expect(peerOrgs.map((o) => o.Domain)).toEqual(['gridoperator.obe.local', 'utility.obe.local', 'regulator.obe.local']);
    for (const org of peerOrgs) {
      expect(org.EnableNodeOUs).toBe(true);
      expect(org.Users.Count).toBeGreaterThanOrEqual(1);
    }
    expect((crypto.OrdererOrgs as { EnableNodeOUs: boolean }[])[0]!.EnableNodeOUs).toBe(true);
  });

  it('runs peers on LevelDB with history, without Docker, and TLS on', () => {
    const core = load('core.yaml');
    expect(get(core, 'ledger.state.stateDatabase')).toBe('goleveldb');
    expect(get(core, 'ledger.history.enableHistoryDatabase')).toBe(true);
    expect(get(core, 'vm.endpoint')).toBeNull();
    expect(get(core, 'peer.tls.enabled')).toBe(true);
    expect(get(core, 'peer.gateway.enabled')).toBe(true);
    // Block delivery resumes within seconds of an orderer restart (test/fabric/submit-outcomes), not up to an hour later.
    expect(get(core, 'peer.deliveryclient.reConnectBackoffThreshold')).toMatch(/^([1-9]|10)s$/);
  });

  it('has every peer pull its blocks from the orderer: its org leader, no election, no block gossip or state transfer', () => {
    const core = load('core.yaml');
    expect(get(core, 'peer.gossip.orgLeader')).toBe(true);
    expect(get(core, 'peer.gossip.useLeaderElection')).toBe(false);
    expect(get(core, 'peer.gossip.state.enabled')).toBe(false);
    expect(get(core, 'peer.deliveryclient.blockGossipEnabled')).toBe(false);
  });

  it('creates channels through channel participation only (no system channel)', () => {
    const orderer = load('orderer.yaml');
    expect(get(orderer, 'General.BootstrapMethod')).toBe('none');
    expect(get(orderer, 'ChannelParticipation.Enabled')).toBe(true);
    expect(get(orderer, 'Admin.TLS.ClientAuthRequired')).toBe(true);
    expect(get(orderer, 'Admin.ListenAddress')).toMatch(/^127\.0\.0\.1:/);
  });
});
