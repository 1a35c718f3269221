import { expect } from 'chai';
import { RestartPolicy } from '../src/serve/restart-policy.js';

describe('RestartPolicy', () => {
  const options = { firstDelayMs: 100, maxDelayMs: 1000, maxEarlyDeaths: 5, calmMs: 10_000 };

  it('restarts workers that die before listening with a doubling delay, and gives up after 5 in a row', () => {
    const policy = new RestartPolicy(options);
    const decisions = [0, 1, 2, 3].map((i) => policy.workerDied(false, i * 10));
    expect(decisions).to.deep.equal([100, 200, 400, 800].map((delayMs) => ({ action: 'restart', delayMs })));
    expect(policy.workerDied(false, 50)).to.deep.equal({ action: 'give-up' });
  });

  it('counts early deaths only since a worker last became ready', () => {
    const policy = new RestartPolicy(options);
    for (let i = 0; i < 4; i++) policy.workerDied(false, i);
    policy.workerReady();
    for (let i = 0; i < 4; i++) expect(policy.workerDied(false, 10 + i).action).to.equal('restart');
    expect(policy.workerDied(false, 20).action).to.equal('give-up');
  });

  it('always replaces a worker that was listening, with a delay that grows up to the cap while deaths keep coming', () => {
    const policy = new RestartPolicy(options);
    const delays = Array.from({ length: 8 }, (_, i) => policy.workerDied(true, i * 100)).map((decision) => (decision.action === 'restart' ? decision.delayMs : -1));
    expect(delays).to.deep.equal([100, 200, 400, 800, 1000, 1000, 1000, 1000]);
  });

  it('starts again from the first delay after a calm period', () => {
    const policy = new RestartPolicy(options);
    policy.workerDied(true, 0);
    policy.workerDied(true, 100);
    expect(policy.workerDied(true, 100 + options.calmMs + 1)).to.deep.equal({ action: 'restart', delayMs: 100 });
  });
});
