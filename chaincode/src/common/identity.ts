import 'reflect-metadata'; // @peculiar/x509 resolves its ASN.1 helpers through tsyringe, which needs it loaded first
import * as x509 from '@peculiar/x509';
import type { Context } from 'fabric-contract-api';
import { ForbiddenError } from './errors';

export interface Caller {
  readonly mspId: string;
  /** The caller's structured X.509 identity (see structuredIdOf): unique within the MSP. */
  readonly id: string;
}

/** OID of organizationalUnitName (X.520): the attribute Fabric's NodeOUs are read from. */
export const OU_OID = '2.5.4.11';

/** The NodeOU identifiers Fabric classifies identities by; an identity holding more than one is invalid in Fabric. */
const NODE_OUS = ['admin', 'client', 'peer', 'orderer'] as const;

/**
 * The calling certificate as X.509, parsed from its DER structure (never from a printed subject), or undefined when
 * the creator carries no parsable certificate.
 */
function callerCertificate(ctx: Context): x509.X509Certificate | undefined {
  const pem = Buffer.from(ctx.clientIdentity.getIDBytes()).toString('utf8');
  try {
    return new x509.X509Certificate(pem);
  } catch {
    return undefined;
  }
}

/**
 * The values of one attribute type (by OID) in a certificate's SUBJECT, read from its RDN structure: a CN value that
 * happens to contain `+OU=admin`, `,OU=admin` or a newline is one CN value and nothing else; the issuer's attributes
 * never count.
 */
export function subjectAttributeValues(certificate: x509.X509Certificate, oid: string): string[] {
  return certificate.subjectName.getField(oid);
}

/**
 * The caller's identity as an unambiguous string: the DER of the subject and of the issuer name, base64url. Fabric-shim's
 * getID() prints both names as `/CN=…/OU=…` escaping only the first '/', so two different certificates can print alike;
 * their DER encodings cannot coincide. Falls back to getID() only for a creator without a parsable certificate.
 */
export function structuredIdOf(ctx: Context): string {
  const certificate = callerCertificate(ctx);
  if (!certificate) return ctx.clientIdentity.getID();
  const der = (name: x509.Name) => Buffer.from(name.toArrayBuffer()).toString('base64url');
  return `x509der::${der(certificate.subjectName)}::${der(certificate.issuerName)}`;
}

export function callerOf(ctx: Context): Caller {
  return { mspId: ctx.clientIdentity.getMSPID(), id: structuredIdOf(ctx) };
}

/**
 * The NodeOUs of the caller's certificate: organizationalUnitName values of the SUBJECT (OID 2.5.4.11, compared
 * exactly, so a look-alike such as Cyrillic "аdmin" is no admin) that are one of Fabric's node OU identifiers.
 */
export function callerNodeOus(ctx: Context): string[] {
  const certificate = callerCertificate(ctx);
  if (!certificate) return [];
  return subjectAttributeValues(certificate, OU_OID).filter((ou) => (NODE_OUS as readonly string[]).includes(ou));
}

/**
 * Whether the caller is an administrator of its MSP: a Fabric CA registrar type `hf.Type=admin` in the certificate's
 * attributes, or the NodeOU `admin` that cryptogen and Fabric CA put into admin certificates. The NodeOU is read from
 * the parsed subject (never from a printed subject string) and counts only if it is the certificate's single NodeOU,
 * as Fabric's MSP requires of a valid identity. The attribute check uses the boolean result of assertAttributeValue;
 * it never throws.
 */
export function isOrgAdmin(ctx: Context): boolean {
  if (ctx.clientIdentity.assertAttributeValue('hf.Type', 'admin')) return true;
  const nodeOus = callerNodeOus(ctx);
  return nodeOus.length === 1 && nodeOus[0] === 'admin';
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
