import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMemcached, type MemcachedServer } from '@k2k/testing';

interface WorkerReport {
  role: string;
  token: string;
  found: unknown;
}

/** Starts a worker process and resolves once it says it is ready. */
function startWorker(location: string, role: string, exchangeLog: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(__dirname, 'fixtures', 'worker-process.js'), location, role, exchangeLog], { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout?.once('data', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`worker ${role} exited with ${code} before it was ready`)));
  });
}

function report(child: ChildProcess): Promise<WorkerReport> {
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk) => (output += chunk));
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(output.trim()) as WorkerReport) : reject(new Error(`worker exited with ${code}`))));
  });
}

describe('two worker processes sharing memcached', function () {
  let server: MemcachedServer;
  let dir: string;

  beforeEach(async () => {
    server = await startMemcached();
    dir = mkdtempSync(join(tmpdir(), 'k2k-store-'));
  });

  afterEach(async () => {
    await server.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('run a single flight exactly once and share what one of them learned', async () => {
    const exchangeLog = join(dir, 'exchanges');
    const workers = await Promise.all([startWorker(server.location, 'learner', exchangeLog), startWorker(server.location, 'finder', exchangeLog)]);
    const reports = workers.map(report);
    for (const worker of workers) worker.stdin?.end('go\n');
    const [learner, finder] = await Promise.all(reports);

    const exchanges = readFileSync(exchangeLog, 'utf8').trim().split('\n');
    expect(exchanges).to.have.length(1);
    expect(learner.token).to.equal(finder.token);
    expect(learner.token).to.equal(`made-by-${exchanges[0]}`);
    expect(finder.found).to.deep.equal({ kind: 'found', location: { serviceProvider: 'sp1', projectId: 'p-1' } });
  });
});
