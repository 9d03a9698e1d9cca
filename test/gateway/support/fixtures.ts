import crypto from 'node:crypto';
import { http } from './http';
import type { Harness } from './harness';

export const INTERVAL_MS = 15 * 60_000;

/** Interval starts relative to the current 15-minute interval (the governance default). */
export function intervalAt(offset: number, now = Date.now()): string {
  return new Date((Math.floor(now / INTERVAL_MS) + offset) * INTERVAL_MS).toISOString();
}

export function deviceKey(): { publicKeyPem: string; privateKey: crypto.KeyObject } {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), privateKey };
}

/** Registers, commissions (as the grid operator's DSO) and activates an asset; returns it. */
export async function activeAsset(h: Harness, owner: string, asset: Record<string, unknown>): Promise<Record<string, unknown>> {
  const registered = await http(h.app).post('/api/v1/registry/assets').set(h.auth(owner)).send(asset);
  if (registered.status !== 200) throw new Error(`register ${String(asset.assetId)}: ${registered.status} ${JSON.stringify(registered.body)}`);
  const commissioned = await http(h.app).post(`/api/v1/registry/assets/${String(asset.assetId)}/commission`).set(h.auth('gridoperator-admin'));
  if (commissioned.status !== 200) throw new Error(`commission: ${commissioned.status} ${JSON.stringify(commissioned.body)}`);
  const active = await http(h.app).post(`/api/v1/registry/assets/${String(asset.assetId)}/activate`).set(h.auth(owner));
  if (active.status !== 200) throw new Error(`activate: ${active.status} ${JSON.stringify(active.body)}`);
  return active.body.result;
}

/**
 * activeAsset with the system clock (Date alone; timers stay real) set to `at`, so the asset is commissioned, and its
 * metering starts, then.
 */
export async function activeAssetAt(h: Harness, at: number, owner: string, asset: Record<string, unknown>): Promise<Record<string, unknown>> {
  jest.useFakeTimers({ doNotFake: ['hrtime', 'nextTick', 'performance', 'queueMicrotask', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'] });
  jest.setSystemTime(at);
  try {
    return await activeAsset(h, owner, asset);
  } finally {
    jest.useRealTimers();
  }
}

/** True when a key of that name appears anywhere in the value. */
export function hasField(value: unknown, names: readonly string[]): boolean {
  if (Array.isArray(value)) return value.some((v) => hasField(v, names));
  if (value && typeof value === 'object') return Object.entries(value).some(([k, v]) => names.includes(k) || hasField(v, names));
  return false;
}
