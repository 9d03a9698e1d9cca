import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isolatedPath, NATIVE, runBash } from './support/shell';

const BIN = path.join(NATIVE, 'builders/ccaas/bin');
let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'obe-builder-'));
  for (const d of ['src', 'meta', 'build', 'release']) fs.mkdirSync(path.join(dir, d));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const step = (name: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
  runBash(`"${BIN}/${name}" "$@"`, { PATH: isolatedPath(), ...env }, args);

describe('the obe-ccaas external builder', () => {
  it('claims ccaas packages only', () => {
    fs.writeFileSync(path.join(dir, 'meta/metadata.json'), '{"type":"ccaas","label":"obe_1"}');
    expect(step('detect', [`${dir}/src`, `${dir}/meta`]).status).toBe(0);
    fs.writeFileSync(path.join(dir, 'meta/metadata.json'), '{"type":"node","label":"obe_1"}');
    expect(step('detect', [`${dir}/src`, `${dir}/meta`]).status).not.toBe(0);
    fs.rmSync(path.join(dir, 'meta/metadata.json'));
    expect(step('detect', [`${dir}/src`, `${dir}/meta`]).status).not.toBe(0);
  });

  it("releases the package's connection.json with the peer's own chaincode server address", () => {
    fs.writeFileSync(
      path.join(dir, 'src/connection.json'),
      '{"address":"{{OBE_CHAINCODE_ADDRESS}}","dial_timeout":"10s","tls_required":false}',
    );
    expect(step('build', [`${dir}/src`, `${dir}/meta`, `${dir}/build`]).status).toBe(0);
    const released = step('release', [`${dir}/build`, `${dir}/release`], { OBE_CHAINCODE_ADDRESS: '127.0.0.1:9059' });
    expect(released.status).toBe(0);
    const connection = JSON.parse(fs.readFileSync(path.join(dir, 'release/chaincode/server/connection.json'), 'utf8'));
    expect(connection).toEqual({ address: '127.0.0.1:9059', dial_timeout: '10s', tls_required: false });
  });

  it('fails the release when the peer passes no address, or one that is not host:port', () => {
    fs.writeFileSync(path.join(dir, 'build/connection.json'), '{"address":"{{OBE_CHAINCODE_ADDRESS}}"}');
    const missing = step('release', [`${dir}/build`, `${dir}/release`]);
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain('OBE_CHAINCODE_ADDRESS is not set');
    const injected = step('release', [`${dir}/build`, `${dir}/release`], { OBE_CHAINCODE_ADDRESS: 'x/;rm -rf /' });
    expect(injected.status).not.toBe(0);
    expect(fs.existsSync(path.join(dir, 'release/chaincode/server/connection.json'))).toBe(false);
  });

  it('fails the build of a package without connection.json', () => {
    const result = step('build', [`${dir}/src`, `${dir}/meta`, `${dir}/build`]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('no connection.json');
  });
});
