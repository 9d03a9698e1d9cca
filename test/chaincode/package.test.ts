import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');

/**
 * The chaincode package must be what `peer lifecycle chaincode package --lang node` produces, and a peer's node
 * builder must be able to install and start it: `npm ci --only=production`, then the package's start script.
 */
describe('chaincode package', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'obe-cc-'));
  const pkg = path.join(work, 'obe.tar.gz');

  beforeAll(() => {
    execFileSync('bash', [path.join(root, 'scripts/package-chaincode.sh'), pkg], { cwd: root, stdio: 'pipe' });
    execFileSync('tar', ['-xzf', pkg, '-C', work]);
    execFileSync('tar', ['-xzf', path.join(work, 'code.tar.gz'), '-C', work]);
  }, 240_000);

  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it('declares a node chaincode in metadata.json', () => {
    const metadata = JSON.parse(fs.readFileSync(path.join(work, 'metadata.json'), 'utf8'));
    expect(metadata.type).toBe('node');
    expect(metadata.label).toMatch(/^obe_/);
  });

  it('carries package.json, the built dist/ and a lockfile for npm ci', () => {
    const src = path.join(work, 'src');
    const manifest = JSON.parse(fs.readFileSync(path.join(src, 'package.json'), 'utf8'));
    expect(manifest.scripts.start).toBe('fabric-chaincode-node start');
    expect(Object.keys(manifest.dependencies)).toEqual(expect.arrayContaining(['fabric-contract-api', 'fabric-shim']));
    expect(manifest.devDependencies).toBeUndefined();
    expect(fs.existsSync(path.join(src, 'dist/index.js'))).toBe(true);
    expect(fs.existsSync(path.join(src, 'package-lock.json'))).toBe(true);
  });

  it('installs with the production-only npm ci of the node builder and exposes its contracts', () => {
    const src = path.join(work, 'src');
    execFileSync('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: src, stdio: 'pipe' });
    // fabric-contract-api logs its decorators on stdout at load time, as it does on a peer; read only our line.
    const script = "const m=require('./dist');console.log('contracts=' + m.contracts.map((c) => new c().getName()).join(','))";
    const out = execFileSync('node', ['-e', script], { cwd: src }).toString();
    const line = out.split('\n').find((l) => l.startsWith('contracts='));
    expect(line?.split('=')[1].split(',')).toEqual(expect.arrayContaining(['Governance', 'Participants', 'Registry', 'Metering', 'Tokens', 'RetailMarket', 'WholesaleMarket', 'Settlement', 'Audit']));
    // fabric-chaincode-node is what `npm start` runs on the peer; it must resolve from the installed package.
    expect(fs.existsSync(path.join(src, 'node_modules/.bin/fabric-chaincode-node'))).toBe(true);
  }, 240_000);
});
