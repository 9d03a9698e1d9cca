import { Context, Contract, Info, Param, Returns, Transaction } from 'fabric-contract-api';
import { canonicalJson } from '../../common/canonical-json';
import { transientSalt } from '../../common/transient';
import { parseJsonArg } from '../../common/validate';
import { cancelEvent, createEvent, createProgram, getEvent, getProgram, getReport, listEvents, listOptIns, listPrograms, listReports, optIn, settleEvent } from './events';
import { createEventSchema, createProgramSchema, eventFilterSchema, eventRefSchema, optInSchema, programFilterSchema, programRefSchema, reportRefSchema } from './schema';

/**
 * Demand response verified from meters (docs/demand-response.md): a DSO's programs, events it (or an aggregator it
 * names) issues and funds, households' opt-ins, and a settlement that computes each participant's baseline and
 * delivered reduction from its own device-signed readings and pays it from the event's escrow. The rules are in
 * events.ts and baseline.ts; this class only declares the transactions.
 */
@Info({ title: 'DemandResponse', description: 'Demand-response programs, events, opt-ins and meter-verified settlement' })
export class DemandResponseContract extends Contract {
  constructor() {
    super('DemandResponse');
  }

  /** Args {programId, zone, baseline?, aggregators?}. A DSO. */
  @Param('argsJson', 'string')
  @Transaction()
  @Returns('string')
  async CreateProgram(ctx: Context, argsJson: string): Promise<string> {
    return canonicalJson(await createProgram(ctx, parseJsonArg(createProgramSchema, argsJson, 'program')));
  }

  @Param('argsJson', 'string')
  @Transaction(false)
  @Returns('string')
  async GetProgram(ctx: Context, argsJson: string): Promise<string> {
    return canonicalJson(await getProgram(ctx, parseJsonArg(programRefSchema, argsJson, 'program reference').programId));
  }

  @Param('argsJson', 'string')
  @Transaction(false)
  @Returns('string')
  async ListPrograms(ctx: Context, argsJson: string): Promise<string> {
    return canonicalJson(await listPrograms(ctx, parseJsonArg(programFilterSchema, argsJson, 'program filter').zone));
  }

  /** Args {programId, start, targetsWh, pricePerKwh}; transient `salt`. The program's DSO or aggregator; escrows the budget. */
  @Param('argsJson', 'string')
  @Transaction()
  @Returns('string')
  async CreateEvent(ctx: Context, argsJson: string): Promise<string> {
    const args = parseJsonArg(createEventSchema, argsJson, 'event');
    return canonicalJson(await createEvent(ctx, args, transientSalt(ctx)));
  }

  /** Args {eventId}; transient `salt`. The issuer, before the window starts; the escrow returns. */
  @Param('argsJson', 'string')
  @Transaction()
  @Returns('string')
  async CancelEvent(ctx: Context, argsJson: string): Promise<string> {
    const { eventId } = parseJsonArg(eventRefSchema, argsJson, 'event reference');
    return canonicalJson(await cancelEvent(ctx, eventId, transientSalt(ctx)));
  }

  @Param('argsJson', 'string')
  @Transaction(false)
  @Returns('string')
  async GetEvent(ctx: Context, argsJson: string): Promise<string> {
    return canonicalJson(await getEvent(ctx, parseJsonArg(eventRefSchema, argsJson, 'event reference').eventId));
  }

  @Param('argsJson', 'string')
  @Transaction(false)
  @Returns('string')
  async ListEvents(ctx: Context, argsJson: string): Promise<string> {
    return canonicalJson(await listEvents(ctx, parseJsonArg(eventFilterSchema, argsJson, 'event filter').programId));
  }

  /** Args {eventId, meterId}. A PROSUMER or CONSUMER with that active meter in the event's zone, before the start. */
  @Param('argsJson', 'string')
  @Transaction()
  @Returns('string')
  async OptIn(ctx: Context, argsJson: string): Promise<string> {
    const { eventId, meterId } = parseJsonArg(optInSchema, argsJson, 'opt-in');
    return canonicalJson(await optIn(ctx, eventId, meterId));
  }

  @Param('argsJson', 'string')
  @Transaction(false)
  @Returns('string')
  async ListOptIns(ctx: Context, argsJson: string): Promise<string> {
    return canonicalJson(await listOptIns(ctx, parseJsonArg(eventRefSchema, argsJson, 'event reference').eventId));
  }

  /** Args {eventId}; transient `salt`. The issuer or a DSO, after the window; once. Returns public records only. */
  @Param('argsJson', 'string')
  @Transaction()
  @Returns('string')
  async SettleEvent(ctx: Context, argsJson: string): Promise<string> {
    const { eventId } = parseJsonArg(eventRefSchema, argsJson, 'event reference');
    return canonicalJson(await settleEvent(ctx, eventId, transientSalt(ctx)));
  }

  @Param('argsJson', 'string')
  @Transaction(false)
  @Returns('string')
  async ListReports(ctx: Context, argsJson: string): Promise<string> {
    return canonicalJson(await listReports(ctx, parseJsonArg(eventRefSchema, argsJson, 'event reference').eventId));
  }

  /** Args {eventId, participant} → {report, details?}: details for the participant, its org's retailers/aggregators, the DSO, the operator, the regulator. */
  @Param('argsJson', 'string')
  @Transaction(false)
  @Returns('string')
  async GetReport(ctx: Context, argsJson: string): Promise<string> {
    const { eventId, participant } = parseJsonArg(reportRefSchema, argsJson, 'report reference');
    return canonicalJson(await getReport(ctx, eventId, participant));
  }
}
