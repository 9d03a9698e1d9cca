import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ObeNet, registerAsset, UTILITY, GRID } from '../support';

import { TX } from '@obe/chaincode';
/** Pseudonyms, roles and assets are ledger state: a restarted network has them all, unchanged. */
describe('participants and assets across a restart', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'obe-restart-'));
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('keeps every pseudonym, role and asset', async () => {
    const first = await ObeNet.start({ dataDir });
    const dso = await first.participant(GRID, 'restart-dso', ['DSO']);
    const owner = await first.participant(UTILITY, 'restart-owner', ['PROSUMER']);
    await registerAsset(first, owner, dso, { assetId: 'restart-meter' });
    await first.close();

    const second = await ObeNet.start({ dataDir, governance: false });
    try {
      const who = await second.evaluate<{ pseudonym: string; effectiveRoles: string[] }>(owner.identity, TX.Participants.WhoAmI);
      expect(who).toMatchObject({ pseudonym: owner.pseudonym, effectiveRoles: ['PROSUMER'] });
      const asset = await second.evaluate<{ owner: string; status: string }>(dso.identity, TX.Registry.GetAsset, ['restart-meter']);
      expect(asset).toMatchObject({ owner: owner.pseudonym, status: 'ACTIVE' });
      await expect(second.submit(owner.identity, TX.Registry.SuspendAsset, [{ assetId: 'restart-meter' }])).resolves.toMatchObject({ status: 'SUSPENDED' });
    } finally {
      await second.close();
    }
  });
});
