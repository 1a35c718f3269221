import { expect } from 'chai';
import { Gate } from '../src/gate.js';

describe('Gate', () => {
  it('lets `limit` in at once and the others in order as places are given back', async () => {
    const gate = new Gate(2);
    const order: number[] = [];
    const leaves = await Promise.all([gate.enter(), gate.enter()]);
    const third = gate.enter().then((leave) => (order.push(3), leave));
    const fourth = gate.enter().then((leave) => (order.push(4), leave));
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).to.deep.equal([]);
    leaves[0]();
    leaves[0](); // a second call gives nothing back
    await third;
    expect(order).to.deep.equal([3]);
    leaves[1]();
    (await fourth)();
    expect(order).to.deep.equal([3, 4]);
  });
});
