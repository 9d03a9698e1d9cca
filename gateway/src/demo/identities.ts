import type { ConfiguredIdentity } from '../config';

export const GRID_OPERATOR_MSP = 'GridOperatorMSP';
export const UTILITY_MSP = 'UtilityMSP';
export const REGULATOR_MSP = 'RegulatorMSP';

export const PROSUMER_COUNT = 20;
export const CONSUMER_COUNT = 6;

const pad = (n: number) => String(n).padStart(2, '0');

export const prosumerLabel = (n: number) => `prosumer-${pad(n)}`;
export const consumerLabel = (n: number) => `consumer-${pad(n)}`;

/**
 * The identities an embedded gateway issues on its first start: one admin per org, the two wholesale generators,
 * a retailer, and the demo neighbourhood's households. Each gets one API key.
 */
export function defaultIdentities(): ConfiguredIdentity[] {
  const ids: ConfiguredIdentity[] = [
    { label: 'gridoperator-admin', mspId: GRID_OPERATOR_MSP, admin: true },
    { label: 'utility-admin', mspId: UTILITY_MSP, admin: true },
    { label: 'regulator-admin', mspId: REGULATOR_MSP, admin: true },
    { label: 'generator-1', mspId: GRID_OPERATOR_MSP },
    { label: 'generator-2', mspId: GRID_OPERATOR_MSP },
    { label: 'retailer-1', mspId: UTILITY_MSP },
  ];
  for (let i = 1; i <= PROSUMER_COUNT; i++) ids.push({ label: prosumerLabel(i), mspId: UTILITY_MSP });
  for (let i = 1; i <= CONSUMER_COUNT; i++) ids.push({ label: consumerLabel(i), mspId: UTILITY_MSP });
  return ids;
}
