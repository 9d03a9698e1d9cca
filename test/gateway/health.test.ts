import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { createApp } from '../../gateway/src/app';
import { loadConfig } from '../../gateway/src/config';
import { freePort } from '../e2e/support/gateway-process';

describe('GET /healthz', () => {
  it('answers 200 while the process is up', async () => {
    const res = await request(createApp()).get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });
});

describe('configuration', () => {
  it('defaults to port 3000, the embedded ledger and .obe-data/', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.ledger).toBe('embedded');
    expect(config.dataDir).toBe(path.resolve('.obe-data'));
  });

  it('refuses a port or ledger it cannot use', () => {
    expect(() => loadConfig({ PORT: 'abc' })).toThrow('PORT must be an integer');
    expect(() => loadConfig({ OBE_LEDGER: 'mock' })).toThrow("OBE_LEDGER must be 'embedded' or 'fabric'");
  });
});

// The server runs under node with tsx as a loader (not the tsx CLI, whose signal relay gives a busy child only 30 ms
// to acknowledge SIGTERM before killing it), so the exit code is the gateway's own.
describe('the gateway process', () => {
  it('listens on PORT, creates OBE_DATA_DIR and stops on SIGTERM', async () => {
    const port = await freePort();
    const dataDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'obe-gw-')), 'data');
    const child = spawn(process.execPath, ['--import', 'tsx', path.resolve(__dirname, '../../gateway/src/server.ts')], {
      env: { ...process.env, PORT: String(port), OBE_DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
      stdio: 'pipe',
    });
    try {
      let status = 0;
      for (let i = 0; i < 150 && status !== 200; i++) {
        await new Promise((r) => setTimeout(r, 200));
        status = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status, () => 0);
      }
      expect(status).toBe(200);
      expect(fs.existsSync(dataDir)).toBe(true);
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  }, 60_000);
});
