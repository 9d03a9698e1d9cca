import { z } from 'zod';
import { pseudonymSchema } from '../../participants/participant';

/** What the MarketCoupling transactions return (open records, registered as OpenAPI components by their ids). */

const txId = z.string().regex(/^[0-9a-f]{64}$/, 'a Fabric transaction id');
const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'a lower-case hex SHA-256');
const count = z.number().int().min(0);

export const residualRecord = z
  .looseObject({
    interval: z.string(),
    retailer: pseudonymSchema,
    retailerMsp: z.string(),
    zones: z.array(z.string()),
    side: z.enum(['BUY', 'SELL']).describe('BUY: the households lacked energy (a wholesale demand curve); SELL: they had surplus'),
    orderId: txId.describe('The wholesale curve the residual became'),
    collection: z.string(),
    commitment: hex64,
    submittedAt: z.string(),
  })
  .meta({ id: 'RetailResidual' });

export const residualDetailsRecord = z
  .looseObject({
    interval: z.string(),
    retailer: pseudonymSchema,
    zones: z.array(z.looseObject({ zone: z.string(), unmatchedBuyWh: count, unmatchedSellWh: count })),
    netWh: z.number().int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER),
    blocks: z.array(z.looseObject({ price: count, quantityWh: count })),
    salt: z.string(),
  })
  .meta({ id: 'RetailResidualDetails' });

export const residualView = z.looseObject({ residual: residualRecord, details: residualDetailsRecord.optional() }).meta({ id: 'RetailResidualView' });
