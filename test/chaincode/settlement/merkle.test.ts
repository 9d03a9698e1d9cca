import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { merkleLeafHash, merkleProof, merkleProofOfLeaves, merkleRoot, merkleRootOfLeaves, verifyMerkleProof } from '../../../chaincode/src/settlement/merkle';

const sha = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();

describe('Merkle commitment over settled records', () => {
  it('follows the documented construction (checked against a hand computation for three records)', () => {
    const records = [{ recordId: 'a', n: 1 }, { n: 2, recordId: 'b' }, { recordId: 'c' }];
    const leaf = (_r: unknown, json: string) => sha(Buffer.from([0]), Buffer.from(json));
    const la = leaf(records[0], '{"n":1,"recordId":"a"}');
    const lb = leaf(records[1], '{"n":2,"recordId":"b"}');
    const lc = leaf(records[2], '{"recordId":"c"}');
    expect(merkleLeafHash(records[1])).toBe(lb.toString('hex'));
    const ab = sha(Buffer.from([1]), la, lb);
    const root = sha(Buffer.from([1]), ab, lc); // c is promoted, not duplicated
    expect(merkleRoot(records)).toBe(root.toString('hex'));
    expect(merkleRoot([])).toBe(sha(Buffer.from([2])).toString('hex'));
    expect(merkleRoot([records[0]])).toBe(la.toString('hex'));
  });

  it('proves every record of any list, and a proof fails for a changed record, another root or a tampered step', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ recordId: fc.string(), amount: fc.integer() }), { minLength: 1, maxLength: 33 }), fc.nat(), (records, pick) => {
        const root = merkleRoot(records);
        records.forEach((record, i) => expect(verifyMerkleProof(record, merkleProof(records, i), root)).toBe(true));
        const i = pick % records.length;
        const proof = merkleProof(records, i);
        expect(verifyMerkleProof({ ...records[i], amount: records[i].amount + 1 }, proof, root)).toBe(false);
        expect(verifyMerkleProof(records[i], proof, merkleRoot([...records, { recordId: 'x', amount: 0 }]))).toBe(false);
        if (proof.length > 0) {
          const flipped = proof.map((s, k) => (k === 0 ? { ...s, position: s.position === 'LEFT' ? ('RIGHT' as const) : ('LEFT' as const) } : s));
          expect(verifyMerkleProof(records[i], flipped, root)).toBe(false);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('cannot pass an inner node off as a leaf, and rejects malformed proofs without throwing', () => {
    const records = [{ a: 1 }, { a: 2 }, { a: 3 }, { a: 4 }];
    const root = merkleRoot(records);
    expect(verifyMerkleProof(records[0], [{ position: 'RIGHT', hash: 'zz' }], root)).toBe(false);
    expect(verifyMerkleProof(records[0], null as never, root)).toBe(false);
    expect(verifyMerkleProof(records[0], merkleProof(records, 0), 'not-a-root')).toBe(false);
    expect(merkleRoot([{ a: 1 }, { a: 2 }, { a: 3 }])).not.toBe(merkleRoot([{ a: 1 }, { a: 2 }, { a: 3 }, { a: 3 }]));
    expect(() => merkleProof(records, 4)).toThrow(RangeError);
  });
});

describe('Merkle tree from published leaf hashes', () => {
  it('gives the same root and proofs as the records themselves', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ id: fc.string(), v: fc.integer() }), { maxLength: 20 }), (records) => {
        const leaves = records.map((r) => merkleLeafHash(r));
        expect(merkleRootOfLeaves(leaves)).toBe(merkleRoot(records));
        records.forEach((r, i) => expect(merkleProofOfLeaves(leaves, i)).toEqual(merkleProof(records, i)));
      }),
      { numRuns: 100 },
    );
  });
});
