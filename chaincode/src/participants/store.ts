import type { Context } from 'fabric-contract-api';
import { NotFoundError } from '../common/errors';
import { KEY } from '../common/keys';
import { readJson, readJsonByPrefix, writeJson } from '../common/state';
import type { Participant } from './participant';

export function participantKey(ctx: Context, pseudonym: string): string {
  return ctx.stub.createCompositeKey(KEY.participant, [pseudonym]);
}

export async function findParticipant(ctx: Context, pseudonym: string): Promise<Participant | undefined> {
  return readJson<Participant>(ctx, participantKey(ctx, pseudonym));
}

export async function getParticipant(ctx: Context, pseudonym: string): Promise<Participant> {
  const participant = await findParticipant(ctx, pseudonym);
  if (!participant) throw new NotFoundError(`participant '${pseudonym}' does not exist`);
  return participant;
}

export async function putParticipant(ctx: Context, participant: Participant): Promise<void> {
  await writeJson(ctx, participantKey(ctx, participant.pseudonym), participant);
}

export async function listParticipants(ctx: Context): Promise<Participant[]> {
  return (await readJsonByPrefix<Participant>(ctx, KEY.participant, [])).map((entry) => entry.value);
}
