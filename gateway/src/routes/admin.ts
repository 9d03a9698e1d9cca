import crypto from 'node:crypto';
import { TX, type ParticipantRole } from '@obe/chaincode';
import { HttpError } from '../http/errors';
import type { Handlers, OperationContext } from '../http/operations';
import { call } from '../ledger/call';
import { ChaincodeError } from '../ledger/errors';
import { enrollerOf, type IdentityEnroller } from '../ledger/enrolment';
import type { Ledger, LedgerIdentity } from '../ledger/port';
import { CHANNEL_ENERGY, body, callerOf, params, type RouteDeps } from './support';

interface OnboardBody {
  roles: ParticipantRole[];
  label?: string;
  mspId?: string;
}

/** The calling identity, which must be an admin of its MSP on a ledger that can enrol identities. */
function adminOf(deps: RouteDeps, ctx: OperationContext): { ledger: Ledger & IdentityEnroller; admin: LedgerIdentity } {
  const caller = callerOf(ctx);
  const ledger = deps.gateway.ledger();
  const enroller = enrollerOf(ledger);
  if (!enroller) {
    throw new HttpError(503, 'LEDGER_UNAVAILABLE', 'this gateway cannot enrol identities on its ledger (see docs/api.md, Onboarding)');
  }
  const admin = ledger.identities().find((i) => i.label === caller.identity);
  if (!admin || !enroller.isAdminIdentity(caller.identity)) {
    throw new HttpError(403, 'FORBIDDEN', "only an admin of its org's MSP may onboard participants or revoke their keys");
  }
  return { ledger: enroller, admin };
}

/** A label no identity of this gateway has: the one asked for (409 if taken) or a random one. */
function freshLabel(ledger: Ledger, asked: string | undefined): string {
  const taken = new Set(ledger.identities().map((i) => i.label));
  if (asked !== undefined) {
    if (taken.has(asked)) throw new HttpError(409, 'CONFLICT', `the identity label '${asked}' is in use on this gateway`);
    return asked;
  }
  let label: string;
  do label = `participant-${crypto.randomBytes(6).toString('hex')}`;
  while (taken.has(label));
  return label;
}

/** The labels of this gateway's identities of `mspId` acting as `pseudonym` (asked of the ledger: WhoAmI per identity). */
async function labelsOf(ledger: Ledger, mspId: string, pseudonym: string): Promise<string[]> {
  const labels: string[] = [];
  for (const identity of ledger.identities().filter((i) => i.mspId === mspId)) {
    // An outage must fail the revocation (503, retry), never skip a label whose keys would stay valid; a chaincode
    // refusal means that identity cannot act on the channel at all.
    const me = await call(ledger, TX.Participants.WhoAmI, { identity: identity.label, channel: CHANNEL_ENERGY }, []).catch((err: unknown) => {
      if (err instanceof ChaincodeError && err.isRefusal) return undefined;
      throw err;
    });
    if (me?.pseudonym === pseudonym) labels.push(identity.label);
  }
  return labels;
}

/**
 * Onboarding over the API (docs/api.md, Onboarding): an org admin's key enrols a new identity of its own org, registers
 * it and grants its roles, and gets the new identity's API key once; revocation ends the keys at once and suspends the
 * participant on chain, so no gateway can act as it any more.
 */
export function adminRoutes(deps: RouteDeps): Handlers {
  return {
    onboardParticipant: async (ctx) => {
      const { ledger, admin } = adminOf(deps, ctx);
      const request = body<OnboardBody>(ctx);
      if (request.mspId !== undefined && request.mspId !== admin.mspId) {
        throw new HttpError(403, 'FORBIDDEN', `an admin of ${admin.mspId} onboards participants of ${admin.mspId} only`);
      }
      const label = freshLabel(ledger, request.label);
      const enrolled = await ledger.enrolIdentity({ label, mspId: admin.mspId });
      const self = { identity: label, channel: CHANNEL_ENERGY };
      // Its own secret (crypto-shredding, docs/privacy-and-erasure.md): random, transient only, never kept here.
      const registered = await call(ledger, TX.Participants.Register, self, [], { participantSecret: crypto.randomBytes(32).toString('hex') });
      let roles = registered.roles;
      try {
        for (const role of request.roles) {
          roles = (await call(ledger, TX.Participants.GrantRole, { identity: admin.label, channel: CHANNEL_ENERGY }, [{ pseudonym: registered.pseudonym, role }])).roles;
        }
      } catch (err) {
        // A role the org may not grant: the new participant never gets a key, and is suspended so it cannot act.
        await call(ledger, TX.Participants.Suspend, { identity: admin.label, channel: CHANNEL_ENERGY }, [{ pseudonym: registered.pseudonym }]).catch((e: unknown) =>
          deps.gateway.logger.error({ err: e, pseudonym: registered.pseudonym }, 'could not suspend a participant whose onboarding failed'),
        );
        throw err;
      }
      const { key, keyId } = deps.gateway.issueKey({ label, mspId: admin.mspId });
      deps.gateway.logger.info({ by: admin.label, label, pseudonym: registered.pseudonym, keyId, roles }, 'participant onboarded');
      return {
        status: 200,
        body: { label, mspId: admin.mspId, pseudonym: registered.pseudonym, enrollmentId: enrolled.enrollmentId, roles, keyId, key },
      };
    },
    listApiKeys: async (ctx) => {
      const { ledger, admin } = adminOf(deps, ctx);
      const mspOf = new Map(ledger.identities().map((i) => [i.label, i.mspId]));
      const keys = deps.gateway
        .currentKeys()
        .entries()
        .filter((k) => mspOf.get(k.identity) === admin.mspId)
        .map((k) => ({ keyId: k.id, identity: k.identity, mspId: admin.mspId }));
      return { status: 200, body: keys };
    },
    offboardParticipant: async (ctx) => {
      const { ledger, admin } = adminOf(deps, ctx);
      const pseudonym = params<{ pseudonym: string }>(ctx).pseudonym;
      const participant = await call(ledger, TX.Participants.GetParticipant, { identity: admin.label, channel: CHANNEL_ENERGY }, [pseudonym]);
      if (participant.mspId !== admin.mspId) {
        throw new HttpError(403, 'FORBIDDEN', `an admin of ${admin.mspId} revokes participants of ${admin.mspId} only`);
      }
      const labels = new Set(await labelsOf(ledger, admin.mspId, pseudonym));
      if (labels.has(admin.label)) throw new HttpError(403, 'FORBIDDEN', 'an admin cannot revoke itself');
      // Keys first: they stop working at once, whatever happens on chain.
      const revokedKeys = deps.gateway.revokeKeys((k) => labels.has(k.identity));
      // An erased participant (docs/privacy-and-erasure.md) is past suspension: its keys end, and this gateway forgets
      // its identities (wallet entry, certificate and key), so no label here leads to the erased pseudonym.
      if (participant.status === 'ERASED') {
        const forgottenIdentities = await deps.gateway.forgetIdentities([...labels].sort(), (label) => ledger.forgetIdentity(label));
        deps.gateway.logger.info({ by: admin.label, pseudonym, revokedKeys, forgottenIdentities: forgottenIdentities.length }, 'erased participant revoked');
        return { status: 200, body: { pseudonym, status: 'ERASED', revokedKeys, forgottenIdentities } };
      }
      if (participant.status !== 'SUSPENDED') {
        try {
          await call(ledger, TX.Participants.Suspend, { identity: admin.label, channel: CHANNEL_ENERGY }, [{ pseudonym }]);
        } catch (err) {
          // Suspended meanwhile (by another gateway of the org): the outcome asked for.
          if (!(err instanceof ChaincodeError && (err.code === 'RULE_VIOLATION' || err.code === 'CONFLICT'))) throw err;
        }
      }
      deps.gateway.logger.info({ by: admin.label, pseudonym, revokedKeys }, 'participant revoked');
      return { status: 200, body: { pseudonym, status: 'SUSPENDED', revokedKeys } };
    },
    revokeApiKey: async (ctx) => {
      const { ledger, admin } = adminOf(deps, ctx);
      const keyId = params<{ keyId: string }>(ctx).keyId;
      const stored = deps.gateway.currentKeys().entries().find((k) => k.id === keyId);
      if (!stored) throw new HttpError(404, 'NOT_FOUND', `no API key ${keyId}`);
      const mspId = ledger.identities().find((i) => i.label === stored.identity)?.mspId;
      if (mspId !== admin.mspId) throw new HttpError(403, 'FORBIDDEN', `an admin of ${admin.mspId} revokes keys of ${admin.mspId} only`);
      return { status: 200, body: { revokedKeys: deps.gateway.revokeKeys((k) => k.id === keyId) } };
    },
  };
}
