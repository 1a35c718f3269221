/**
 * The load generator of the reliability suite, run in a worker thread (load.ts starts it) so that
 * its event loop never competes with the simulated clouds in the test's main thread.
 *
 * Per target: requests paced at a fixed rate (request k is due at start + k / rate), sent by a
 * fixed number of loops over kept-alive connections (node:http Agent); the run ends when every
 * target went through its fixed count or the time limit passed, whichever comes first; a slot
 * missed by more than a second is dropped rather than sent late. Every request is
 * recorded: when it was sent, how long it took, status (0: no HTTP answer), X-K2K-Partial, and,
 * for any answer that does not count as a success, its body (the secrets check greps them).
 */
import { Agent, request } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import type { LoadSettings, LoadTarget, RequestRecord } from './load.js';

/** What a record keeps of a failed answer's body */
const MAX_BODY = 4096;
/** What is read of a body to look for the expected texts (a merged list is longer than MAX_BODY) */
const MAX_MATCHED_BODY = 1 << 20;
const SLOT_SLACK_MS = 1000;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

interface Answer {
  status: number;
  body: string;
  serviceProvider?: string;
  partial?: string;
  error?: string;
}

function send(agent: Agent, settings: LoadSettings, target: LoadTarget): Promise<Answer> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (answer: Answer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(answer);
    };
    const req = request(`${settings.baseUrl}${target.path}`, { method: 'GET', agent, headers: target.headers }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        if (size < MAX_MATCHED_BODY) chunks.push(chunk);
        size += chunk.length;
      });
      res.once('end', () => {
        const serviceProvider = res.headers['x-k2k-service-provider'];
        const partial = res.headers['x-k2k-partial'];
        finish({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
          serviceProvider: Array.isArray(serviceProvider) ? serviceProvider[0] : serviceProvider,
          partial: Array.isArray(partial) ? partial.join(', ') : partial,
        });
      });
      res.once('error', (error: NodeJS.ErrnoException) => finish({ status: 0, body: '', error: `answer cut short: ${error.code ?? error.message}` }));
      res.once('aborted', () => finish({ status: 0, body: '', error: 'answer aborted' }));
    });
    const timer = setTimeout(() => {
      req.destroy();
      finish({ status: 0, body: '', error: `no answer within ${settings.requestTimeoutMs} ms` });
    }, settings.requestTimeoutMs);
    req.once('error', (error: NodeJS.ErrnoException) => finish({ status: 0, body: '', error: error.code ?? error.message }));
    req.end();
  });
}

/** The texts a successful answer contains: the target's, and those of the clouds X-K2K-Partial does not name. */
function expectedTexts(target: LoadTarget, partial: string | undefined): string[] {
  const missing = new Set((partial ?? '').split(',').map((cloud) => cloud.trim()));
  const fromClouds = Object.entries(target.expectUnlessPartial ?? {}).filter(([cloud]) => !missing.has(cloud));
  return [target.expect, ...fromClouds.map(([, text]) => text)];
}

async function runTarget(index: number, settings: LoadSettings, started: number, deadline: number, records: RequestRecord[]): Promise<void> {
  const target = settings.targets[index];
  const rate = target.rate ?? settings.ratePerTarget;
  const count = Math.round((settings.requestsPerTarget * rate) / settings.ratePerTarget);
  // fifo: every connection is used in turn, so none sits idle long enough for the server's
  // keep-alive timeout to close it under the client's feet.
  const agent = new Agent({ keepAlive: true, maxSockets: settings.connectionsPerTarget, scheduling: 'fifo' });
  let next = 0;
  const loop = async () => {
    for (;;) {
      const k = next++;
      if (k >= count) return;
      const due = started + (k * 1000) / rate;
      const wait = due - Date.now();
      if (wait > 0) await sleep(wait);
      if (Date.now() >= deadline) return;
      // A slot missed by more than a second (every loop was waiting on slow answers) is dropped,
      // not sent late in a burst: the rate stays steady, and only what was sent is counted.
      if (Date.now() - due > SLOT_SLACK_MS) continue;
      const at = Date.now();
      const t0 = performance.now();
      const answer = await send(agent, settings, target);
      const ms = performance.now() - t0;
      const ok = answer.status === 200 && answer.serviceProvider === target.serviceProvider && expectedTexts(target, answer.partial).every((text) => answer.body.includes(text));
      records.push({
        target: target.name,
        at,
        ms,
        status: answer.status,
        ok,
        ...(answer.error && { error: answer.error }),
        ...(answer.serviceProvider && { serviceProvider: answer.serviceProvider }),
        ...(answer.partial && { partial: answer.partial }),
        ...(!ok && { body: answer.body.slice(0, MAX_BODY) }),
      });
    }
  };
  await Promise.all(Array.from({ length: settings.connectionsPerTarget }, loop));
  agent.destroy();
}

async function main(): Promise<void> {
  const settings = workerData as LoadSettings;
  const records: RequestRecord[] = [];
  const started = Date.now();
  const deadline = started + settings.maxMs;
  await Promise.all(settings.targets.map((_, index) => runTarget(index, settings, started, deadline, records)));
  parentPort?.postMessage({ started, ended: Date.now(), records });
}

void main();
