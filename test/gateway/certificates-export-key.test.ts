import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { GatewayContext } from '../../gateway/src/context';
import { EXPORT_KEY_FILE_NAME, certificateRoutes } from '../../gateway/src/routes/certificates';
import type { OperationContext } from '../../gateway/src/http/operations';

/**
 * Review R3: a verifier trusts an exported certificate only under the exporter key it pinned, so that key must survive
 * a gateway restart. Without OBE_CERT_EXPORT_KEY_FILE the gateway keeps the key it generated in its data directory.
 */
describe('certificate export key without OBE_CERT_EXPORT_KEY_FILE', () => {
  const saved = process.env.OBE_CERT_EXPORT_KEY_FILE;
  let dir: string;
  beforeEach(() => {
    delete process.env.OBE_CERT_EXPORT_KEY_FILE;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'obe-export-key-'));
  });
  afterEach(() => {
    if (saved !== undefined) process.env.OBE_CERT_EXPORT_KEY_FILE = saved;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const publicKeyOf = async (dataDir: string): Promise<string> => {
    const routes = certificateRoutes({ gateway: new GatewayContext({ dataDir }) });
    const answer = (await routes.getCertificateExportKey({} as OperationContext)) as { body: { publicKey: string } };
    return answer.body.publicKey;
  };

  it('is generated once in the data directory (owner-only) and is the key the gateway publishes', async () => {
    const published = await publicKeyOf(dir);
    const file = path.join(dir, EXPORT_KEY_FILE_NAME);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const fromFile = createPublicKey(createPrivateKey(fs.readFileSync(file))).export({ type: 'spki', format: 'pem' }).toString();
    expect(published).toBe(fromFile);
    expect(await publicKeyOf(dir)).toBe(published);
  });

  it('is reused after a restart: a key already on disk is read, never replaced', async () => {
    const first = await publicKeyOf(dir);
    // Another process (a restart) sees only the file: copy it where no cache can know it.
    const restarted = fs.mkdtempSync(path.join(os.tmpdir(), 'obe-export-key-'));
    fs.copyFileSync(path.join(dir, EXPORT_KEY_FILE_NAME), path.join(restarted, EXPORT_KEY_FILE_NAME));
    expect(await publicKeyOf(restarted)).toBe(first);
    fs.rmSync(restarted, { recursive: true, force: true });
  });
});
