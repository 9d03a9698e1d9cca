import fs from 'node:fs';
import path from 'node:path';
import { COLLECTION_BLOCK_TO_LIVE, READINGS_BLOCK_TO_LIVE, requiredBlockToLive } from '@obe/chaincode';
import { checkCollections, type CollectionDefinition } from '../../../network/lib/collections';

/** Retention (docs/privacy-and-erasure.md): every collection file declares the blockToLive OBE requires. */
const ROOT = path.resolve(__dirname, '../../..');
const CHANNELS: Record<string, string[]> = { energy: ['GridOperatorMSP', 'UtilityMSP', 'RegulatorMSP'], audit: ['GridOperatorMSP', 'RegulatorMSP'] };
const load = (channel: string) => JSON.parse(fs.readFileSync(path.join(ROOT, 'collections', `${channel}.json`), 'utf8')) as CollectionDefinition[];

test('readings live 366 days at the fastest block rate (250 ms); money and evidence never expire', () => {
  expect(READINGS_BLOCK_TO_LIVE).toBe(126_489_600);
  expect(READINGS_BLOCK_TO_LIVE * 250).toBe(366 * 24 * 3600 * 1000);
  for (const kind of ['obeSecrets', 'tokens', 'settlement', 'orders', 'certificates']) expect(COLLECTION_BLOCK_TO_LIVE[kind]).toBe(0);
  expect(requiredBlockToLive('readings_UtilityMSP')).toBe(READINGS_BLOCK_TO_LIVE);
  expect(requiredBlockToLive('tokens_RegulatorMSP')).toBe(0);
  expect(requiredBlockToLive('constructor')).toBeUndefined();
  expect(requiredBlockToLive('somethingElse_UtilityMSP')).toBeUndefined();
});

test.each(Object.keys(CHANNELS))('collections/%s.json declares the required blockToLive everywhere', (channel) => {
  const definitions = load(channel);
  for (const c of definitions) expect({ name: c.name, blockToLive: c.blockToLive }).toEqual({ name: c.name, blockToLive: requiredBlockToLive(c.name) });
  expect(checkCollections(definitions, CHANNELS[channel], { minMemberOrgs: 2 }).problems).toEqual([]);
});

test('the deploy check refuses a collection whose retention differs', () => {
  const readings = load('energy').find((c) => c.name === 'readings_UtilityMSP')!;
  expect(checkCollections([{ ...readings, blockToLive: 0 }], CHANNELS.energy).problems).toEqual([expect.stringMatching(/readings_UtilityMSP: blockToLive 0, but OBE's retention for it is 126489600/)]);
  const tokens = load('energy').find((c) => c.name === 'tokens_UtilityMSP')!;
  expect(checkCollections([{ ...tokens, blockToLive: 10 }], CHANNELS.energy).problems).toEqual([expect.stringMatching(/tokens_UtilityMSP: blockToLive 10/)]);
});
