import '../../../gateway/src/quiet-chaincode-logs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Express } from 'express';
import pino from 'pino';
import type { ParticipantRole } from '@obe/chaincode';
import { createApp } from '../../../gateway/src/app';
import type { ConfiguredIdentity, GatewayLimits } from '../../../gateway/src/config';
import { GatewayContext } from '../../../gateway/src/context';
import { enrol, initGovernance } from '../../../gateway/src/demo/seed';
import { ApiKeyStore, newApiKey } from '../../../gateway/src/http/auth';
import { EmbeddedLedger } from '../../../gateway/src/ledger/embedded/adapter';
import { obeNetwork } from '../../../gateway/src/ledger/embedded/obe-network';

/** The identities the gateway suites act as, with the roles their org admins grant them. */
export const TEST_IDENTITIES: (ConfiguredIdentity & { roles?: ParticipantRole[]; admin?: boolean; unregistered?: boolean })[] = [
  { label: 'gridoperator-admin', mspId: 'GridOperatorMSP', admin: true, roles: ['MARKET_OPERATOR', 'DSO'] },
  { label: 'utility-admin', mspId: 'UtilityMSP', admin: true, roles: ['RETAILER'] },
  { label: 'regulator-admin', mspId: 'RegulatorMSP', admin: true, roles: ['REGULATOR'] },
  { label: 'generator-1', mspId: 'GridOperatorMSP', roles: ['GENERATOR'] },
  { label: 'prosumer-01', mspId: 'UtilityMSP', roles: ['PROSUMER'] },
  { label: 'prosumer-02', mspId: 'UtilityMSP', roles: ['PROSUMER'] },
  { label: 'consumer-01', mspId: 'UtilityMSP', roles: ['CONSUMER'] },
  /** Registered but holding no role. */
  { label: 'newcomer', mspId: 'UtilityMSP' },
  /** Has an identity and an API key, but never registered as a participant. */
  { label: 'stranger', mspId: 'UtilityMSP', unregistered: true },
];

const ADMIN_OF: Record<string, string> = { GridOperatorMSP: 'gridoperator-admin', UtilityMSP: 'utility-admin', RegulatorMSP: 'regulator-admin' };

export interface Harness {
  app: Express;
  ledger: EmbeddedLedger;
  gateway: GatewayContext;
  dataDir: string;
  /** API key per identity label. */
  keys: Record<string, string>;
  /** Participant pseudonym per identity label. */
  pseudonyms: Record<string, string>;
  auth(label: string): { Authorization: string };
  close(): Promise<void>;
}

/** An app over a fresh embedded OBE network: governance configured, every test identity registered with its roles. */
export async function startHarness(options: { dataDir?: string; register?: boolean; limits?: Partial<GatewayLimits> } = {}): Promise<Harness> {
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'obe-gw-'));
  const ledger = await EmbeddedLedger.open({
    network: obeNetwork(),
    dataDir: path.join(dataDir, 'ledger'),
    identities: TEST_IDENTITIES.map(({ label, mspId, admin }) => ({ label, mspId, admin })),
  });
  const keys: Record<string, string> = {};
  const stored = TEST_IDENTITIES.map((identity) => {
    const key = newApiKey(identity.label);
    keys[identity.label] = key.key;
    return key.stored;
  });
  const gateway = new GatewayContext({
    logger: pino({ level: process.env.OBE_TEST_LOG ?? 'silent' }),
    keys: new ApiKeyStore(stored),
    dataDir: path.join(dataDir, 'gateway'),
    ledger,
    ...(options.limits ? { limits: options.limits } : {}),
  });
  const pseudonyms: Record<string, string> = {};
  if (options.register !== false) {
    await initGovernance(ledger);
    for (const identity of TEST_IDENTITIES.filter((i) => !i.unregistered)) {
      pseudonyms[identity.label] = await enrol(ledger, identity.label, ADMIN_OF[identity.mspId], identity.roles ?? []);
    }
  }
  return {
    app: createApp(gateway),
    ledger,
    gateway,
    dataDir,
    keys,
    pseudonyms,
    auth: (label) => ({ Authorization: `Bearer ${keys[label]}` }),
    close: async () => {
      await gateway.submits?.drain();
      await ledger.close();
    },
  };
}
