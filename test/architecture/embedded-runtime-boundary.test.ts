import fs from 'node:fs';
import path from 'node:path';

/**
 * @obe/fabric-embedded (gateway/fabric-embedded) is a library with one entry: the rest of the repository imports the
 * package name, never a file under its src/, and the package imports nothing of OBE (only its own files, Node and the
 * dependencies its package.json declares).
 */
const root = path.resolve(__dirname, '../..');
const pkgDir = path.join(root, 'gateway/fabric-embedded');

function tsFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === 'node_modules' || entry.name === 'dist') return [];
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

function specifiers(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:import|export)\s[^'";]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)|require\(\s*'([^']+)'\s*\)/g)].map((m) => m[1] ?? m[2] ?? m[3]);
}

describe('the embedded runtime boundary', () => {
  it('imports only its own files, Node and its declared dependencies', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const declared = Object.keys(manifest.dependencies);
    const offending = tsFiles(path.join(pkgDir, 'src')).flatMap((file) =>
      specifiers(file)
        .filter((spec) => {
          if (spec.startsWith('node:')) return false;
          if (spec.startsWith('./')) return false;
          return !declared.some((dep) => spec === dep || spec.startsWith(`${dep}/`));
        })
        .map((spec) => `${path.relative(root, file)} imports '${spec}'`),
    );
    expect(offending).toEqual([]);
  });

  it('is reached from outside only through @obe/fabric-embedded', () => {
    const outside = ['chaincode/src', 'gateway/src', 'network', 'scripts', 'test'].flatMap((dir) => tsFiles(path.join(root, dir)));
    const intoPackage = (file: string, spec: string) =>
      spec.startsWith('.') ? path.resolve(path.dirname(file), spec).startsWith(`${pkgDir}${path.sep}`) : spec.startsWith('@obe/fabric-embedded/');
    const offending = outside.flatMap((file) =>
      specifiers(file)
        .filter((spec) => intoPackage(file, spec) || /ledger\/embedded\/runtime/.test(spec))
        .map((spec) => `${path.relative(root, file)} imports '${spec}'`),
    );
    expect(offending).toEqual([]);
  });

  it('is a workspace of its own, mapped for tsc and jest', () => {
    const workspaces = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { workspaces: string[] }).workspaces;
    expect(workspaces).toContain('gateway/fabric-embedded');
    expect(fs.readFileSync(path.join(root, 'tsconfig.json'), 'utf8')).toContain('"@obe/fabric-embedded"');
  });
});
