/**
 * Fabric signature policies ("OR('A.member', AND('B.peer','C.member'))", "OutOf(2, ...)") parsed and evaluated the
 * way the peer's cauthdsl does: greedily, each endorsement satisfying at most one principal.
 */
import { common, msp } from '@hyperledger/fabric-protos';
import { RuntimeUsageError } from './errors';

export type PrincipalRole = 'member' | 'admin' | 'client' | 'peer' | 'orderer';

export type Policy =
  | { kind: 'signedBy'; mspId: string; role: PrincipalRole }
  | { kind: 'outOf'; n: number; rules: Policy[] };

/** One endorsement: the org of the endorsing peer. Endorsers sign as peers, so they satisfy `.member` and `.peer`. */
export interface PolicySigner {
  mspId: string;
  role: 'peer';
}

const ROLES: readonly PrincipalRole[] = ['member', 'admin', 'client', 'peer', 'orderer'];

class Parser {
  #pos = 0;
  constructor(readonly text: string) {}

  parse(): Policy {
    const policy = this.#expr();
    this.#ws();
    if (this.#pos !== this.text.length) this.#fail('unexpected trailing text');
    return policy;
  }

  #fail(why: string): never {
    throw new RuntimeUsageError(`invalid signature policy "${this.text}": ${why} at position ${this.#pos}`);
  }

  #ws(): void {
    while (this.#pos < this.text.length && /\s/.test(this.text[this.#pos])) this.#pos++;
  }

  #expr(): Policy {
    this.#ws();
    const ch = this.text[this.#pos];
    if (ch === "'" || ch === '"') return this.#principal();
    const ident = /^[A-Za-z]+/.exec(this.text.slice(this.#pos));
    if (!ident) this.#fail('expected AND, OR, OutOf or a quoted principal');
    this.#pos += ident[0].length;
    const fn = ident[0].toUpperCase();
    this.#ws();
    if (this.text[this.#pos] !== '(') this.#fail("expected '('");
    this.#pos++;
    let n: number | undefined;
    if (fn === 'OUTOF') {
      this.#ws();
      const num = /^\d+/.exec(this.text.slice(this.#pos));
      if (!num) this.#fail('OutOf needs a number first');
      n = Number(num[0]);
      this.#pos += num[0].length;
      this.#ws();
      if (this.text[this.#pos] !== ',') this.#fail("expected ','");
      this.#pos++;
    } else if (fn !== 'AND' && fn !== 'OR') {
      this.#fail(`unknown function ${ident[0]}`);
    }
    const rules: Policy[] = [];
    for (;;) {
      rules.push(this.#expr());
      this.#ws();
      const sep = this.text[this.#pos];
      this.#pos++;
      if (sep === ')') break;
      if (sep !== ',') this.#fail("expected ',' or ')'");
    }
    if (fn === 'AND') n = rules.length;
    if (fn === 'OR') n = 1;
    if (n === undefined || n < 1 || n > rules.length) this.#fail('OutOf count out of range');
    return { kind: 'outOf', n, rules };
  }

  #principal(): Policy {
    const quote = this.text[this.#pos];
    const end = this.text.indexOf(quote, this.#pos + 1);
    if (end < 0) this.#fail('unterminated principal');
    const body = this.text.slice(this.#pos + 1, end);
    this.#pos = end + 1;
    const dot = body.lastIndexOf('.');
    const mspId = body.slice(0, dot);
    const role = body.slice(dot + 1) as PrincipalRole;
    if (dot <= 0 || !ROLES.includes(role)) this.#fail(`principal '${body}' is not MSPID.role`);
    return { kind: 'signedBy', mspId, role };
  }
}

export function parsePolicy(text: string): Policy {
  return new Parser(text).parse();
}

/** The channel's implicit MAJORITY Endorsement policy (Fabric's default chaincode endorsement policy). */
export function majorityOf(orgs: readonly string[]): Policy {
  return { kind: 'outOf', n: Math.floor(orgs.length / 2) + 1, rules: orgs.map((mspId) => ({ kind: 'signedBy', mspId, role: 'member' })) };
}

export function anyOf(orgs: readonly string[]): Policy {
  return { kind: 'outOf', n: 1, rules: orgs.map((mspId) => ({ kind: 'signedBy', mspId, role: 'member' })) };
}

/** A channel config policy reference such as "/Channel/Application/Endorsement", resolved as the default channel config does. */
export function channelConfigPolicy(ref: string, channelOrgs: readonly string[]): Policy {
  const name = ref.split('/').pop() ?? '';
  if (name === 'Endorsement' || name === 'LifecycleEndorsement' || name === 'Admins') return majorityOf(channelOrgs);
  if (name === 'Writers' || name === 'Readers') return anyOf(channelOrgs);
  throw new RuntimeUsageError(`unknown channel config policy ${ref}`);
}

function principalMatches(rule: Extract<Policy, { kind: 'signedBy' }>, signer: PolicySigner): boolean {
  return rule.mspId === signer.mspId && (rule.role === 'member' || rule.role === 'peer');
}

function evaluate(policy: Policy, signers: readonly PolicySigner[], used: boolean[]): boolean {
  if (policy.kind === 'signedBy') {
    for (let i = 0; i < signers.length; i++) {
      if (!used[i] && principalMatches(policy, signers[i])) {
        used[i] = true;
        return true;
      }
    }
    return false;
  }
  let satisfied = 0;
  for (const rule of policy.rules) {
    const attempt = [...used];
    if (evaluate(rule, signers, attempt)) {
      satisfied++;
      attempt.forEach((u, i) => (used[i] = u));
    }
  }
  return satisfied >= policy.n;
}

/** Whether endorsements from these orgs' peers satisfy the policy. */
export function isSatisfied(policy: Policy, endorsingOrgs: readonly string[]): boolean {
  const signers = [...new Set(endorsingOrgs)].map((mspId) => ({ mspId, role: 'peer' as const }));
  return evaluate(policy, signers, signers.map(() => false));
}

/** Every MSP ID a policy names (a collection's member orgs are the orgs of its distribution policy). */
export function policyOrgs(policy: Policy): string[] {
  if (policy.kind === 'signedBy') return [policy.mspId];
  return [...new Set(policy.rules.flatMap(policyOrgs))];
}

const ROLE_BY_CODE: Record<number, PrincipalRole> = { 0: 'member', 1: 'admin', 2: 'client', 3: 'peer', 4: 'orderer' };

/**
 * A serialized SignaturePolicyEnvelope, as fabric-shim's KeyEndorsementPolicy produces for
 * setStateValidationParameter. Only MSP role principals are supported, which is what the shim writes.
 */
export function policyFromEnvelope(bytes: Uint8Array): Policy {
  const envelope = common.SignaturePolicyEnvelope.deserializeBinary(bytes);
  const identities = envelope.getIdentitiesList().map((principal) => {
    if (principal.getPrincipalClassification() !== msp.MSPPrincipal.Classification.ROLE) {
      throw new RuntimeUsageError('key-level endorsement policies must name MSP roles');
    }
    const role = msp.MSPRole.deserializeBinary(principal.getPrincipal_asU8());
    return { mspId: role.getMspIdentifier(), role: ROLE_BY_CODE[role.getRole()] ?? 'member' };
  });
  const convert = (rule: common.SignaturePolicy | undefined): Policy => {
    if (!rule) throw new RuntimeUsageError('key-level endorsement policy without a rule');
    if (rule.getTypeCase() === common.SignaturePolicy.TypeCase.SIGNED_BY) {
      const identity = identities[rule.getSignedBy()];
      if (!identity) throw new RuntimeUsageError('key-level endorsement policy refers to a missing identity');
      return { kind: 'signedBy', ...identity };
    }
    const nOutOf = rule.getNOutOf();
    if (!nOutOf) throw new RuntimeUsageError('key-level endorsement policy rule is empty');
    return { kind: 'outOf', n: nOutOf.getN(), rules: nOutOf.getRulesList().map(convert) };
  };
  return convert(envelope.getRule());
}
