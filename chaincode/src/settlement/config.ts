import type { GovernanceConfig } from '../governance/config';

export { intervalMs } from '../governance/config';

export function settlementDeadlineMs(config: GovernanceConfig): number {
  return config.settlementDeadlineMinutes * 60_000;
}
