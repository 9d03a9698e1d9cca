/**
 * `npm start`'s build step: compiles a workspace (chaincode, the embedded runtime, the gateway, in dependency order)
 * only when one of its sources is newer than its last build, so a start with nothing changed skips TypeScript
 * altogether. A workspace that does compile uses tsc's incremental mode (dist/.tsbuildinfo), and a rebuilt
 * dependency makes the workspaces after it compile too (their types come from its dist/*.d.ts).
 * `npm run build` still compiles everything (incrementally).
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const WORKSPACES = ['chaincode', 'gateway/fabric-embedded', 'gateway'];
const STAMP = '.build-stamp';

function newest(dir) {
  let latest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) latest = Math.max(latest, newest(full));
    else if (entry.name.endsWith('.ts')) latest = Math.max(latest, fs.statSync(full).mtimeMs);
  }
  return latest;
}

const tsc = require.resolve('typescript/bin/tsc', { paths: [root] });
let rebuilt = false;
for (const workspace of WORKSPACES) {
  const dir = path.join(root, workspace);
  const stamp = path.join(dir, 'dist', STAMP);
  const sources = Math.max(
    newest(path.join(dir, 'src')),
    ...['tsconfig.json', 'package.json'].map((f) => fs.statSync(path.join(dir, f)).mtimeMs),
    fs.statSync(path.join(root, 'tsconfig.base.json')).mtimeMs,
  );
  const built = fs.existsSync(stamp) ? fs.statSync(stamp).mtimeMs : 0;
  if (!rebuilt && built >= sources) continue;
  const started = Date.now();
  execFileSync(process.execPath, [tsc, '-p', path.join(dir, 'tsconfig.json')], { stdio: 'inherit', cwd: root });
  fs.writeFileSync(stamp, new Date().toISOString());
  process.stdout.write(`built ${workspace} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  rebuilt = true;
}
