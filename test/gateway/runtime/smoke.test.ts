import { Net, A } from './support';

test('smoke: put, get, identity', async () => {
  const net = await Net.start();
  try {
    const r = await net.submit(A, 'Put', ['k1', 'v1']);
    expect(r.blockNumber).toBe(0);
    expect(await net.evaluate(A, 'Get', ['k1'])).toBe('v1');
    console.log(await net.evaluate(A, 'WhoAmI', [], { transient: { t: 'x' } }));
  } finally {
    await net.close();
  }
});
