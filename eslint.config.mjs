import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Layers that only point down (test/architecture/layers.test.ts proves each rule still fails on a violation).
 * An import names its target relative to the importing file, so each rule matches "any number of ../ then a folder
 * of the layer above"; type-only imports count too (a type up a layer is still a dependency on it).
 */
const upTo = (targets) => `^(\\.\\./)+(${targets.join('|')})(/|\\.ts$|$)`;
/** What sits above the ledger and the submit service in the gateway: HTTP, routes, demo data, configuration, wiring. */
const GATEWAY_TOP = ['http', 'routes', 'openapi', 'demo', 'config', 'setup', 'context', 'app', 'bootstrap', 'server', 'open-ledger'];
const layer = (files, rules) => ({ files, rules: { 'no-restricted-imports': ['error', { patterns: rules.map(([regex, message]) => ({ regex, message })) }] } });
export const LAYER_RULES = [
  layer(['gateway/src/ledger/**/*.ts'], [
    [upTo(GATEWAY_TOP), 'layers: the ledger may not import the HTTP, route, demo or config layers above it; take what it needs as options'],
    [upTo(['submits']), 'layers: the ledger sits below the submit service'],
  ]),
  layer(['gateway/src/submits/**/*.ts'], [
    [upTo(GATEWAY_TOP), 'layers: the submit service may not import the HTTP, route, demo or config layers above it; throw typed errors, http/ maps them'],
  ]),
  layer(['gateway/src/operator-agent/**/*.ts'], [
    [upTo(GATEWAY_TOP), 'layers: the operator agent drives the ledger beside the HTTP layer, never through it; take what it needs as options'],
    [upTo(['submits']), 'layers: the operator agent calls the Ledger port directly (the chaincode arbitrates its retries)'],
  ]),
  layer(['gateway/src/common/**/*.ts'], [['^\\.\\./', 'layers: gateway/src/common/ is the floor every layer may stand on; it imports nothing else of the gateway']]),
  layer(['chaincode/**/*.ts'], [
    [`${upTo(['gateway'])}|^@obe/(gateway|fabric-embedded)(/|$)`, 'layers: the chaincode never imports the gateway (nor the embedded runtime under it)'],
  ]),
  layer(['scripts/**/*.ts'], [[upTo(['test']), 'layers: scripts may not import tests; move what both need below them (e.g. gateway/src/ledger/embedded/obe-net.ts)']]),
  layer(['network/**/*.ts'], [
    [`${upTo(['gateway/src/.+', 'gateway/(?!src$).+'])}|^@obe/gateway/`, "layers: network scripts reach the gateway only through its public entry, '../../gateway/src' (gateway/src/index.ts)"],
  ]),
];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.obe-data/**', 'bench-results/**', 'test-artifacts/**', 'network/**/generated/**', 'gateway/public/vendor/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  ...LAYER_RULES,
  {
    // Browser code of the dashboard: plain ES modules, browser globals.
    files: ['gateway/public/**/*.js'],
    languageOptions: { sourceType: 'module', globals: { window: 'readonly', document: 'readonly', fetch: 'readonly', EventSource: 'readonly', localStorage: 'readonly', console: 'readonly', URLSearchParams: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly' } },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    ignores: ['gateway/public/**'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly', __dirname: 'readonly', process: 'readonly', console: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
