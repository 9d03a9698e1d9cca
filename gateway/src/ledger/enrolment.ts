/**
 * Onboarding's view of a ledger: whether an identity is an admin of its MSP, and enrolling a new identity with its
 * org's CA under a random, meaningless enrolment ID (the human label stays off-chain, in the gateway's wallet).
 * A ledger that can enrol implements IdentityEnroller; `enrollerOf` tells. The embedded adapter enrols with the
 * runtime's org CA; for Fabric, see ca-key-issuer.ts (cryptogen networks: the org's signing CA key) and
 * docs/api.md "Onboarding" for what is and is not wired.
 */
import { X509Certificate } from 'node:crypto';
import type { Ledger, LedgerIdentity } from './port';

export interface EnrolledIdentity extends LedgerIdentity {
  /** The certificate's CN (and hf.EnrollmentID): `id-<128 random bits>`, nothing derived from the label. */
  readonly enrollmentId: string;
}

export interface IdentityEnroller {
  /** Whether the identity's certificate makes it an admin of its MSP (a single NodeOU `admin` in the parsed subject). */
  isAdminIdentity(label: string): boolean;
  /** Enrols a new client identity of `mspId` and makes it usable under `label` at once; refuses a label in use. */
  enrolIdentity(spec: { label: string; mspId: string }): Promise<EnrolledIdentity>;
  /**
   * Forgets an identity this gateway enrolled (wallet entry, certificate and key), for an erased participant
   * (docs/privacy-and-erasure.md); answers false for one it cannot forget (e.g. from a Fabric connection config).
   */
  forgetIdentity(label: string): Promise<boolean>;
}

export function enrollerOf(ledger: Ledger): (Ledger & IdentityEnroller) | undefined {
  const candidate = ledger as Ledger & Partial<IdentityEnroller>;
  return typeof candidate.isAdminIdentity === 'function' && typeof candidate.enrolIdentity === 'function' && typeof candidate.forgetIdentity === 'function'
    ? (candidate as Ledger & IdentityEnroller)
    : undefined;
}

/** The subject's attributes as parsed (one `name=value` per line in Node's rendering). */
function subjectAttributes(certificatePem: string): { name: string; value: string }[] {
  return new X509Certificate(certificatePem).subject.split('\n').map((line) => {
    const eq = line.indexOf('=');
    return { name: line.slice(0, eq), value: line.slice(eq + 1) };
  });
}

/**
 * NodeOU admin as the chaincode reads it: exactly one OU attribute, equal to `admin`. Text such as `+OU=admin` inside
 * a CN is a CN value, never an OU (Node escapes it within the value).
 */
export function certificateIsAdmin(certificatePem: string): boolean {
  const ous = subjectAttributes(certificatePem).filter((a) => a.name === 'OU');
  return ous.length === 1 && ous[0]!.value === 'admin';
}

/** The certificate's CN. */
export function certificateCommonName(certificatePem: string): string {
  return subjectAttributes(certificatePem).find((a) => a.name === 'CN')?.value ?? '';
}
