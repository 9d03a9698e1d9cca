/**
 * Which API key plays which part in a simulated neighbourhood, picked from a demo-api-keys.json-shaped map
 * (label → {key, mspId}) such as the one an embedded gateway writes on its first start.
 */
export interface NeighbourhoodKeys {
  /** GridOperatorMSP admin: market operator, DSO, token issuer. */
  readonly operator: string;
  /** UtilityMSP admin: grants household roles, runs the meter head-end. */
  readonly utilityAdmin: string;
  /** RegulatorMSP admin, enrolled as REGULATOR when present. */
  readonly regulator?: string;
  /** UtilityMSP identities households act as; household i uses entry i mod length. */
  readonly households: readonly string[];
}

/** Picks the roles' keys out of a demo-api-keys.json-shaped map (label → {key, mspId}). */
export function neighbourhoodKeysFrom(keys: Readonly<Record<string, { key: string; mspId: string }>>, householdPrefix?: RegExp): NeighbourhoodKeys {
  const need = (label: string) => {
    const entry = keys[label];
    if (!entry) throw new Error(`the API keys have no '${label}' identity`);
    return entry.key;
  };
  const pattern = householdPrefix ?? /^(prosumer|consumer|household)-/;
  // Prosumer identities first, so that with the demo's keys household i of the simulation (prosumers come first in
  // the neighbourhood) acts as prosumer-<i> and the consumers as consumer-<n>.
  const rank = (label: string) => (label.startsWith('consumer-') ? 1 : 0);
  const households = Object.keys(keys)
    .filter((label) => pattern.test(label) && keys[label].mspId === 'UtilityMSP')
    .sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0))
    .map((label) => keys[label].key);
  if (households.length === 0) throw new Error('the API keys have no household identities (prosumer-*, consumer-*, household-*)');
  return { operator: need('gridoperator-admin'), utilityAdmin: need('utility-admin'), regulator: keys['regulator-admin']?.key, households };
}

