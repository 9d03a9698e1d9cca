import { z } from 'zod';

/** What Participants:Erase answers (catalogue result; an OpenAPI component). Counts only, no personal data. */
const count = z.number().int().min(0);

export const erasureResultRecord = z
  .looseObject({
    pseudonym: z.string(),
    mspId: z.string(),
    erasedAt: z.string(),
    txId: z.string(),
    requestedBy: z.enum(['PARTICIPANT', 'ORG_ADMIN']),
    purged: z.strictObject({
      orders: count,
      offers: count,
      awards: count,
      settledRecords: count,
      tokenRecords: count,
      readings: count,
      readingChunksRewritten: count,
      zoneDeltas: count,
      demandResponseReports: count,
      certificateRecords: count,
      participantSecret: count,
    }),
  })
  .meta({ id: 'ErasureResult' });
