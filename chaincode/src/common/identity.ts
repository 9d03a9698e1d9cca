import { X509Certificate } from 'node:crypto';
import type { Context } from 'fabric-contract-api';
import { ForbiddenError } from './errors';

export interface Caller {
  readonly mspId: string;
  /** `x509::<subject>::<issuer>` as fabric-shim forms it: unique within the MSP. */
  readonly id: string;
}

export function callerOf(ctx: Context): Caller {
  return { mspId: ctx.clientIdentity.getMSPID(), id: ctx.clientIdentity.getID() };
}

/**
 * Whether the caller is an administrator of its MSP: a Fabric CA registrar type `hf.Type=admin` in the certificate's
 * attributes, or the NodeOU `OU=admin` that cryptogen and Fabric CA put into admin certificates. The attribute check
 * uses the boolean result of assertAttributeValue; it never throws.
 */
export function isOrgAdmin(ctx: Context): boolean {
  if (ctx.clientIdentity.assertAttributeValue('hf.Type', 'admin')) return true;
  return subjectOrganizationalUnits(ctx).includes('admin');
}

function subjectOrganizationalUnits(ctx: Context): string[] {
  const pem = Buffer.from(ctx.clientIdentity.getIDBytes()).toString('utf8');
  let subject: string;
  try {
    subject = new X509Certificate(pem).subject;
  } catch {
    return [];
  }
  return subject
    .split('\n')
    .flatMap((line) => line.split('+'))
    .map((part) => part.trim())
    .filter((part) => part.startsWith('OU='))
    .map((part) => part.slice(3));
}

/**
 * Refuses anyone but an admin of `mspId`. `mspRole` says why that MSP (e.g. "the market operator's MSP") so that the
 * refusal tells the caller whose admin to ask.
 */
export function requireAdminOfOrg(ctx: Context, mspId: string, action: string, mspRole?: string): void {
  if (ctx.clientIdentity.getMSPID() !== mspId || !isOrgAdmin(ctx)) {
    throw new ForbiddenError(`${action} requires an admin of ${mspId}${mspRole ? `, ${mspRole}` : ''}`);
  }
}

/**
 * The MSP of the peer running this chaincode (CORE_PEER_LOCALMSPID), or undefined where the peer does not say, as a
 * chaincode run as an external service may not be told.
 */
export function peerMspId(ctx: Context): string | undefined {
  try {
    return ctx.stub.getMspID() || undefined;
  } catch {
    return undefined;
  }
}
