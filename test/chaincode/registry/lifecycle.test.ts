import fc from 'fast-check';
import type { AssetStatus } from '../../../chaincode/src/registry/asset';
import { canTransition, LIFECYCLE, type LifecycleAction } from '../../../chaincode/src/registry/lifecycle';

const ACTIONS = Object.keys(LIFECYCLE) as LifecycleAction[];

/** Applies the actions the lifecycle allows, skipping the refused ones, and returns every state visited. */
function walk(actions: readonly LifecycleAction[]): AssetStatus[] {
  const visited: AssetStatus[] = ['REGISTERED'];
  for (const action of actions) {
    const current = visited[visited.length - 1];
    if (canTransition(action, current)) visited.push(LIFECYCLE[action].to);
  }
  return visited;
}

describe('asset lifecycle', () => {
  it('reaches ACTIVE only through COMMISSIONED, and never leaves DECOMMISSIONED', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...ACTIONS), { maxLength: 40 }), (actions) => {
        const visited = walk(actions);
        const firstActive = visited.indexOf('ACTIVE');
        if (firstActive >= 0) expect(visited.slice(0, firstActive)).toContain('COMMISSIONED');
        const end = visited.indexOf('DECOMMISSIONED');
        if (end >= 0) expect(visited.length).toBe(end + 1);
        for (let i = 1; i < visited.length; i++) expect(visited[i]).not.toBe(visited[i - 1]);
      }),
    );
  });

  it('allows exactly the documented moves', () => {
    const moves = ACTIONS.flatMap((action) =>
      (['REGISTERED', 'COMMISSIONED', 'ACTIVE', 'SUSPENDED', 'DECOMMISSIONED'] as const).filter((from) => canTransition(action, from)).map((from) => `${from}->${LIFECYCLE[action].to}`),
    );
    expect(moves.sort()).toEqual(
      [
        'REGISTERED->COMMISSIONED',
        'COMMISSIONED->ACTIVE',
        'ACTIVE->SUSPENDED',
        'SUSPENDED->ACTIVE',
        'REGISTERED->DECOMMISSIONED',
        'COMMISSIONED->DECOMMISSIONED',
        'ACTIVE->DECOMMISSIONED',
        'SUSPENDED->DECOMMISSIONED',
      ].sort(),
    );
  });
});
