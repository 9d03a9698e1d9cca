/**
 * The Fabric connection config: the contract between the network scripts (network/native/up.sh and the
 * test-network scripts write it) and this adapter (reads it). One JSON file:
 *
 * ```json
 * { "chaincode": "obe", "channels": ["energy", "audit"],
 *   "peers": { "GridOperatorMSP": { "endpoint": "localhost:7051", "tlsRootCertPath": "/abs/ca.crt",
 *                                   "hostOverride": "peer0.gridoperator.obe.local" }, ... },
 *   "identities": [ { "label": "gridoperator-admin", "mspId": "GridOperatorMSP", "mspPath": "/abs/.../msp" } ],
 *   "checkpointDir": "optional; default <OBE_DATA_DIR>/checkpoints" }
 * ```
 *
 * Each identity connects through its own org's peer, so every identity's MSP ID needs an entry in `peers`.
 * Relative paths resolve against the directory of the config file. Identities come from MSP folders:
 * `signcerts/*.pem` (one certificate) and `keystore/*_sk` (or the only file in keystore/).
 *
 * This is the format's one parser. It imports only zod and Node, so the deploy tooling that writes the file
 * (network/lib/connection-config.ts, which derives the strict written form from this schema) may import it; this
 * module never imports network/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

export const DEFAULT_CONNECTION_CONFIG = 'network/native/generated/connection.json';

export class ConnectionConfigError extends Error {
  readonly code = 'FABRIC_CONNECTION_CONFIG';
  constructor(readonly file: string, problem: string) {
    super(`Fabric connection config ${file}: ${problem}`);
    this.name = 'ConnectionConfigError';
  }
}

const nonEmpty = z.string().trim().min(1);

export const peerEntrySchema = z.object({
  /** host:port the gateway dials. */
  endpoint: z.string().regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, 'must be host:port'),
  /** The CA that signed the peer's TLS certificate. */
  tlsRootCertPath: nonEmpty,
  /** The peer's TLS host name, needed when the endpoint (e.g. localhost) is not the name on its certificate. */
  hostOverride: nonEmpty.optional(),
});

export const identityEntrySchema = z.object({
  label: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lower-case words joined by -'),
  mspId: nonEmpty,
  mspPath: nonEmpty,
});

export const connectionConfigSchema = z
  .object({
    chaincode: nonEmpty.default('obe'),
    channels: z.array(nonEmpty).min(1, 'must list at least one channel'),
    peers: z.record(nonEmpty, peerEntrySchema),
    identities: z.array(identityEntrySchema).min(1, 'must list at least one identity'),
    checkpointDir: nonEmpty.optional(),
  })
  .superRefine((config, ctx) => {
    const labels = new Set<string>();
    config.identities.forEach((identity, index) => {
      if (labels.has(identity.label)) {
        ctx.addIssue({ code: 'custom', path: ['identities', index, 'label'], message: `duplicate identity label '${identity.label}'` });
      }
      labels.add(identity.label);
      if (!config.peers[identity.mspId]) {
        ctx.addIssue({
          code: 'custom',
          path: ['identities', index, 'mspId'],
          message: `identity '${identity.label}' belongs to ${identity.mspId}, which has no entry in peers`,
        });
      }
    });
  });

export type ConnectionConfigInput = z.input<typeof connectionConfigSchema>;
export type PeerEntry = z.infer<typeof peerEntrySchema>;
export type IdentityEntry = z.infer<typeof identityEntrySchema>;

/** The validated config with every path made absolute. */
export interface ConnectionConfig {
  readonly file: string;
  readonly chaincode: string;
  readonly channels: readonly string[];
  readonly peers: Readonly<Record<string, PeerEntry>>;
  readonly identities: readonly IdentityEntry[];
  readonly checkpointDir: string;
}

/** Where the config lives: OBE_FABRIC_CONFIG, else the file network/native/up.sh writes. */
export function connectionConfigPath(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  return path.resolve(cwd, env.OBE_FABRIC_CONFIG ?? DEFAULT_CONNECTION_CONFIG);
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`).join('; ');
}

/** Validates an already parsed config object; `file` anchors relative paths and names the source in errors. */
export function parseConnectionConfig(value: unknown, file: string, dataDir: string): ConnectionConfig {
  const parsed = connectionConfigSchema.safeParse(value);
  if (!parsed.success) throw new ConnectionConfigError(file, describeIssues(parsed.error));
  const base = path.dirname(file);
  const resolve = (p: string) => path.resolve(base, p);
  const peers: Record<string, PeerEntry> = {};
  for (const [mspId, peer] of Object.entries(parsed.data.peers)) {
    peers[mspId] = { ...peer, tlsRootCertPath: resolve(peer.tlsRootCertPath) };
  }
  return {
    file,
    chaincode: parsed.data.chaincode,
    channels: parsed.data.channels,
    peers,
    identities: parsed.data.identities.map((identity) => ({ ...identity, mspPath: resolve(identity.mspPath) })),
    checkpointDir: parsed.data.checkpointDir ? resolve(parsed.data.checkpointDir) : path.join(dataDir, 'checkpoints'),
  };
}

/** Reads and validates the config file; every failure is a ConnectionConfigError naming the file and the problem. */
export function loadConnectionConfig(file: string, dataDir: string): ConnectionConfig {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = fs.readFileSync(absolute, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (err as Error).message;
    throw new ConnectionConfigError(
      absolute,
      `${reason} (start the network with 'npm run network:up', or point OBE_FABRIC_CONFIG at the file)`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ConnectionConfigError(absolute, `not valid JSON (${(err as Error).message})`);
  }
  return parseConnectionConfig(value, absolute, dataDir);
}
