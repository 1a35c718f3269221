import { expect } from 'chai';
import { createServer, type Server } from 'node:net';
import { createInterface } from 'node:readline';
import { freePort } from '@k2k/testing';
import { startGatewayProcess } from '../src/serve/start-gateway.js';
import { configFolder, getOnNewConnection, stopGateway, until } from './fixtures.js';

/** A gateway config whose Keystone, services and memcached are never contacted: these tests only start and stop it. */
function config(port: number, workers: number): object {
  const nowhere = 'http://127.0.0.1:9';
  return {
    listen: { host: '127.0.0.1', port },
    workers,
    keystone: { auth_url: `${nowhere}/v3`, service_auth: { username: 'k2k', password: 'secret', project_name: 'service' } },
    local: { endpoints: { volumev3: `${nowhere}/v3/%(project_id)s` } },
    mounts: { '/volume': 'volumev3' },
    store: { backend: 'memcached', servers: ['127.0.0.1:9'], secret_key: 'supervisor-test-secret' },
    drain: { grace_seconds: 0 },
    log_level: workers > 1 ? 'info' : 'silent',
  };
}

describe('gateway supervision', function () {
  this.timeout(20_000);
  const folder = configFolder();
  let busy: Server;
  let busyPort: number;

  before(async () => {
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    busyPort = (busy.address() as { port: number }).port;
  });

  after(() => {
    busy.close();
    folder.remove();
  });

  for (const workers of [2, 1]) {
    // No time is asserted (shared machines): a supervisor that never gave up would miss readyTimeoutMs, a different error.
    it(`with ${workers} worker${workers > 1 ? 's' : ''} on a port in use, gives up, exits non-zero and says why`, async () => {
      const file = folder.write(`busy-${workers}.json`, config(busyPort, workers));
      const error = await startGatewayProcess(file, { stderr: 'ignore', readyTimeoutMs: 15_000 }).then(
        async (gateway) => (await stopGateway(gateway), undefined),
        (e: Error) => e,
      );
      expect(error?.message).to.match(/^the gateway exited with code 1 before listening/);
      expect(error?.message).to.match(new RegExp(`k2k gateway: .*EADDRINUSE.* 127\\.0\\.0\\.1:${busyPort}`));
    });
  }

  it('replaces a worker killed with SIGKILL and keeps answering', async () => {
    const gateway = await startGatewayProcess(folder.write('two.json', config(await freePort(), 2)), { logs: 'pipe' });
    try {
      const listeningPids = new Set<number>();
      createInterface({ input: gateway.child.stdout! }).on('line', (line) => {
        const record = JSON.parse(line) as { msg: string; pid: number };
        if (record.msg === 'gateway listening') listeningPids.add(record.pid);
      });
      await until(() => listeningPids.size === 2);
      const [victim] = listeningPids;
      process.kill(victim, 'SIGKILL');
      // Not asked in between: a connection the primary hands to a worker as it dies is lost (node's cluster).
      await until(() => listeningPids.size === 3); // a new worker listens in its place
      const answers = await Promise.all(Array.from({ length: 10 }, () => getOnNewConnection(`${gateway.url}/healthz`)));
      expect(answers.map((answer) => answer.status)).to.deep.equal(Array(10).fill(200));
      expect(gateway.child.exitCode).to.equal(null);
    } finally {
      await stopGateway(gateway);
    }
  });
});
