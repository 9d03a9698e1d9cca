import fs from 'node:fs';
import path from 'node:path';
import { checkCollections, mspIdsInPolicy, remapMspIds, type CollectionDefinition } from '../../network/lib/collections';
import { NATIVE_TO_TEST_NETWORK } from '../../network/lib/remap-collections-cli';
import { ROOT } from './support/shell';

const ENERGY = ['GridOperatorMSP', 'UtilityMSP', 'RegulatorMSP'];
const AUDIT = ['GridOperatorMSP', 'RegulatorMSP'];

function collection(overrides: Partial<CollectionDefinition> = {}): CollectionDefinition {
  return {
    name: 'orders_GridOperatorMSP',
    policy: "OR('GridOperatorMSP.member','RegulatorMSP.member')",
    requiredPeerCount: 0,
    maxPeerCount: 2,
    blockToLive: 0,
    memberOnlyRead: true,
    memberOnlyWrite: true,
    endorsementPolicy: { signaturePolicy: "OR('GridOperatorMSP.member','RegulatorMSP.member')" },
    ...overrides,
  };
}

describe('collection definitions', () => {
  it('reads the MSP IDs a signature policy names', () => {
    expect(mspIdsInPolicy("OutOf(2, 'A.peer', 'B.member', 'A.admin')")).toEqual(['A', 'B']);
  });

  it('accepts a well-formed collection of channel members', () => {
    expect(checkCollections([collection()], ENERGY, { minMemberOrgs: 2 })).toEqual({ problems: [], warnings: [] });
  });

  it('rejects an MSP outside the channel, an endorser outside the collection and too few members', () => {
    const report = checkCollections(
      [
        collection({ name: 'a', policy: "OR('UtilityMSP.member','GridOperatorMSP.member')" }),
        collection({ name: 'b', policy: "OR('GridOperatorMSP.member')", endorsementPolicy: undefined }),
      ],
      AUDIT,
      { minMemberOrgs: 2 },
    );
    expect(report.problems).toEqual(
      expect.arrayContaining([
        'a: UtilityMSP is not a member of the channel',
        'a: endorser RegulatorMSP is not a member of the collection',
        'b: 1 member org(s), but the chaincode endorsement policy needs 2',
      ]),
    );
    expect(report.warnings).toEqual([expect.stringMatching(/^b: no endorsementPolicy/)]);
  });

  it('rejects a requiredPeerCount one peer per org cannot meet, and malformed files', () => {
    expect(checkCollections([collection({ requiredPeerCount: 2 })], ENERGY).problems).toEqual([
      'orders_GridOperatorMSP: requiredPeerCount 2 exceeds the 1 other member peer(s)',
    ]);
    expect(checkCollections([collection(), collection()], ENERGY).problems).toEqual(['orders_GridOperatorMSP: defined twice']);
    expect(checkCollections({ name: 'x' }, ENERGY).problems).not.toHaveLength(0);
    expect(checkCollections([{ ...collection(), blockToLive: -1 }], ENERGY).problems[0]).toMatch(/^0\.blockToLive/);
  });

  it('re-targets policies and per-org collection names at the test-network MSP IDs', () => {
    const [mapped] = remapMspIds([collection()], NATIVE_TO_TEST_NETWORK);
    expect(mapped).toMatchObject({
      name: 'orders_Org1MSP',
      policy: "OR('Org1MSP.member','Org3MSP.member')",
      endorsementPolicy: { signaturePolicy: "OR('Org1MSP.member','Org3MSP.member')" },
    });
    expect(remapMspIds([collection({ name: 'obeSecrets' })], NATIVE_TO_TEST_NETWORK)[0]!.name).toBe('obeSecrets');
  });

  // The definitions the deployment uses must pass the same check deploy.sh runs before approving them.
  it.each([
    ['energy', ENERGY],
    ['audit', AUDIT],
  ])('collections/%s.json can be deployed on the native network', (channel, members) => {
    const file = path.join(ROOT, 'collections', `${channel}.json`);
    const report = checkCollections(JSON.parse(fs.readFileSync(file, 'utf8')), members, { minMemberOrgs: 2 });
    expect(report.problems).toEqual([]);
  });
});
