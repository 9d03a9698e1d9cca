import type { AssetStatus } from './asset';

/**
 * The asset lifecycle: registered → commissioned (by a DSO) → active ⇄ suspended → decommissioned. Decommissioning is
 * possible from any state but itself and is final. Every other move is refused.
 */
export const LIFECYCLE = {
  commission: { from: ['REGISTERED'], to: 'COMMISSIONED' },
  activate: { from: ['COMMISSIONED'], to: 'ACTIVE' },
  suspend: { from: ['ACTIVE'], to: 'SUSPENDED' },
  resume: { from: ['SUSPENDED'], to: 'ACTIVE' },
  decommission: { from: ['REGISTERED', 'COMMISSIONED', 'ACTIVE', 'SUSPENDED'], to: 'DECOMMISSIONED' },
} as const satisfies Record<string, { from: readonly AssetStatus[]; to: AssetStatus }>;

export type LifecycleAction = keyof typeof LIFECYCLE;

export function canTransition(action: LifecycleAction, from: AssetStatus): boolean {
  return (LIFECYCLE[action].from as readonly AssetStatus[]).includes(from);
}
