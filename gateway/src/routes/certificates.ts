import fs from 'node:fs';
import path from 'node:path';
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { TX, gcDocument, signGcDocument, verifyGcDocument, type GcAttestation, type LotExportSource, type TxArgs } from '@obe/chaincode';
import type { Handlers, OperationContext } from '../http/operations';
import { LedgerUnavailableError } from '../ledger/errors';
import { newSalt } from './market-support';
import { CHANNEL_AUDIT, CHANNEL_ENERGY, body, evaluate, params, submit, type RouteDeps } from './support';

type Query = Record<string, string | undefined>;
type Slot = { zone: string; interval: string };

/** Where a gateway without OBE_CERT_EXPORT_KEY_FILE keeps the export key it generated (in its data directory). */
export const EXPORT_KEY_FILE_NAME = 'certificate-export-key.pem';

/**
 * The Ed25519 key certificate exports are signed with. A verifier trusts a document only under a key it pinned
 * (verifyGcDocument), so the key must outlive the process: OBE_CERT_EXPORT_KEY_FILE (PKCS#8 PEM) when set; else the
 * key in the gateway's data directory, generated there (mode 0600) on first use and reused after every restart; only
 * a gateway without a data directory (tests) signs with a key of the process. docs/certificates.md, "Export".
 */
const exportKeys = new Map<string, KeyObject>();
function signingKey(deps: RouteDeps): KeyObject {
  const configured = process.env.OBE_CERT_EXPORT_KEY_FILE;
  const dataDir = deps.gateway.dataDir;
  const file = configured ?? (dataDir === undefined ? undefined : path.join(dataDir, EXPORT_KEY_FILE_NAME));
  const cacheKey = file ?? '';
  let key = exportKeys.get(cacheKey);
  if (!key) {
    if (file === undefined) key = generateKeyPairSync('ed25519').privateKey;
    else if (configured !== undefined || fs.existsSync(file)) key = createPrivateKey(fs.readFileSync(file));
    else {
      key = generateKeyPairSync('ed25519').privateKey;
      fs.mkdirSync(path.dirname(file), { recursive: true });
      // 'wx': two gateways sharing the directory never overwrite each other's key; the loser reads the winner's.
      try {
        fs.writeFileSync(file, key.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        key = createPrivateKey(fs.readFileSync(file));
      }
    }
    exportKeys.set(cacheKey, key);
  }
  return key;
}

function publicPemOf(key: KeyObject): string {
  return createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString();
}

function slotOf(ctx: OperationContext): Slot {
  const { zone, interval } = params<Slot>(ctx);
  return { zone, interval };
}

/** Certificates:* transactions; a transfer's and a claim's private fields travel in the transient map. */
export function certificateRoutes(deps: RouteDeps): Handlers {
  return {
    issueCertificates: (ctx) => submit(deps, ctx, TX.Certificates.Issue, [body<TxArgs<typeof TX.Certificates.Issue>[0]>(ctx)], { transient: { salt: newSalt() } }),
    transferCertificate: (ctx) => {
      const input = body<{ zone: string; interval: string; lotId: string; to: string; quantityWh: number; salt?: string }>(ctx);
      return submit(deps, ctx, TX.Certificates.Transfer, [], { transient: { transfer: { ...input, salt: input.salt ?? newSalt() } } });
    },
    claimCertificates: (ctx) => {
      const input = body<{ zone: string; interval: string; lotIds: string[]; meterId: string; quantityWh: number; salt?: string }>(ctx);
      return submit(deps, ctx, TX.Certificates.Claim, [], { transient: { claim: { ...input, salt: input.salt ?? newSalt() } } });
    },
    listMyCertificateLots: async (ctx) => {
      const { zone, interval } = ctx.query as Query;
      return { status: 200, body: await evaluate(deps, ctx, TX.Certificates.ListMyLots, [{ ...(zone ? { zone } : {}), ...(interval ? { interval } : {}) }]) };
    },
    getMatchingScore: async (ctx) => {
      const { meterId, from, to, resolution } = ctx.query as Query;
      const args = { meterId: String(meterId), from: String(from), to: String(to), ...(resolution ? { resolution: resolution as 'INTERVAL' | 'HOUR' } : {}) };
      return { status: 200, body: await evaluate(deps, ctx, TX.Certificates.GetMatchingScore, [args]) };
    },
    getCertificateBinding: async (ctx) => {
      const { market, zone, interval, orderId } = params<{ market: 'RETAIL' | 'WHOLESALE'; zone: string; interval: string; orderId: string }>(ctx);
      return { status: 200, body: await evaluate(deps, ctx, TX.Certificates.GetBinding, [{ market, zone, interval, orderId }]) };
    },
    listCertificates: async (ctx) => ({ status: 200, body: await evaluate(deps, ctx, TX.Certificates.ListCertificates, [slotOf(ctx)]) }),
    listCertificateEvents: async (ctx) => ({ status: 200, body: await evaluate(deps, ctx, TX.Certificates.ListEvents, [slotOf(ctx)]) }),
    getCertificateSeal: async (ctx) => ({ status: 200, body: await evaluate(deps, ctx, TX.Certificates.GetSeal, [slotOf(ctx)]) }),
    sealCertificates: (ctx) => submit(deps, ctx, TX.Certificates.SealInterval, [slotOf(ctx)], { transient: { salt: newSalt() } }),
    getCertificateTrail: async (ctx) => ({
      status: 200,
      body: await evaluate(deps, ctx, TX.Certificates.GetTrail, [{ ...slotOf(ctx), certId: params<{ certId: string }>(ctx).certId }]),
    }),
    getCertificateLot: async (ctx) => ({
      status: 200,
      body: await evaluate(deps, ctx, TX.Certificates.GetLot, [{ ...slotOf(ctx), lotId: params<{ lotId: string }>(ctx).lotId }]),
    }),
    exportCertificateLot: async (ctx) => {
      const lot = await evaluate(deps, ctx, TX.Certificates.GetLot, [{ ...slotOf(ctx), lotId: params<{ lotId: string }>(ctx).lotId }]);
      const attestation = await attestationFor(deps, ctx, lot.certificate.zone, lot.certificate.interval);
      const key = signingKey(deps);
      const doc = signGcDocument(gcDocument(lot as unknown as LotExportSource, attestation, new Date().toISOString()), key);
      return { status: 200, body: { ...doc, verification: verifyGcDocument(doc, { publicKeyPem: publicPemOf(key) }) } };
    },
    getCertificateExportKey: async () => ({ status: 200, body: { algorithm: 'Ed25519', publicKey: publicPemOf(signingKey(deps)) } }),
  };
}

/**
 * The audit channel's attestation of the sealed interval, read as the caller (orgs holding MARKET_OPERATOR, DSO or
 * REGULATOR may read attestations); null when the caller may not, or none exists yet: the document then carries the
 * sealed root only, and its verifier must obtain the attested root itself.
 */
async function attestationFor(deps: RouteDeps, ctx: OperationContext, zone: string, interval: string): Promise<GcAttestation | null> {
  try {
    const a = await evaluate(deps, ctx, TX.Audit.GetAttestation, [{ sourceChannel: CHANNEL_ENERGY, market: 'CERTIFICATES', zone, interval }], { channel: CHANNEL_AUDIT });
    return { merkleRoot: a.merkleRoot, sourceTxId: a.sourceTxId, attestedByMspId: a.attestedByMspId, attestedAt: a.attestedAt, txId: a.txId };
  } catch (err) {
    // Refused (not an attesting org's member, not on the audit channel) or not attested yet: no attestation to carry.
    if (err instanceof LedgerUnavailableError) throw err;
    return null;
  }
}
