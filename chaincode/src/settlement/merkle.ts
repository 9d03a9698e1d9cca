/**
 * The Merkle construction settlement publishes its roots with. It lives in common/merkle.ts because certificates
 * (certificates/seal.ts) commit to their life events with the same tree and the settlement hook calls into that
 * domain; this module keeps settlement's import path.
 */
export * from '../common/merkle';
