/**
 * Live (test:fabric): the settings tool changes a channel's block cutting on the running native network and puts it
 * back (scripts/bench/block-cutting.ts, used by scripts/bench/fabric-settings.ts): the channel starts with what
 * network/native/config/configtx.yaml says, a changed BatchTimeout is what the orderer then reports, the values not
 * named stay, and the original comes back.
 */
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { readBlockCutting, setBlockCutting } from '../../scripts/bench/block-cutting';
import { describeLive } from './support/live';
import { ROOT } from './support/shell';

/** "2 MB" / "32 MB" / "512 KB" as configtxgen reads them. */
function bytes(value: string): number {
  const m = /^(\d+) (KB|MB)$/.exec(value);
  if (!m) throw new Error(`unexpected size ${value}`);
  return Number(m[1]) * (m[2] === 'KB' ? 1024 : 1024 * 1024);
}

describeLive('block cutting changed in place on the native network', () => {
  it('reads what configtx.yaml set, changes BatchTimeout alone, and restores it', () => {
    const configtx = yaml.load(fs.readFileSync(path.join(ROOT, 'network/native/config/configtx.yaml'), 'utf8')) as {
      Orderer: { BatchTimeout: string; BatchSize: { MaxMessageCount: number; AbsoluteMaxBytes: string; PreferredMaxBytes: string } };
    };
    const committed = {
      batchTimeout: configtx.Orderer.BatchTimeout,
      maxMessageCount: configtx.Orderer.BatchSize.MaxMessageCount,
      absoluteMaxBytes: bytes(configtx.Orderer.BatchSize.AbsoluteMaxBytes),
      preferredMaxBytes: bytes(configtx.Orderer.BatchSize.PreferredMaxBytes),
    };
    const before = readBlockCutting('energy');
    expect(before).toEqual(committed);
    try {
      expect(setBlockCutting({ batchTimeout: '120ms' }, 'energy')).toEqual({ ...committed, batchTimeout: '120ms' });
      expect(readBlockCutting('energy')).toEqual({ ...committed, batchTimeout: '120ms' });
      // The audit channel has its own configuration: untouched.
      expect(readBlockCutting('audit').batchTimeout).toBe(committed.batchTimeout);
    } finally {
      setBlockCutting(before, 'energy');
    }
    expect(readBlockCutting('energy')).toEqual(committed);
  }, 120_000);
});
