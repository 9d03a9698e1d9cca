import canonicalize from 'canonicalize';

/**
 * RFC 8785 canonical JSON (sorted keys, fixed number format). Everything the chaincode writes or hashes goes through
 * here, so every endorsing peer produces byte-identical write sets.
 */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) {
    throw new TypeError('value cannot be represented as JSON');
  }
  return text;
}

export function canonicalBytes(value: unknown): Uint8Array {
  return Buffer.from(canonicalJson(value), 'utf8');
}

export function parseJson<T = unknown>(bytes: Uint8Array): T {
  return JSON.parse(Buffer.from(bytes).toString('utf8')) as T;
}
