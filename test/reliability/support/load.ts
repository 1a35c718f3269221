import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

/** One kind of request the load sends: a GET of one volume (at the local cloud or at one SP), or of a merged list. */
export interface LoadTarget {
  /** 'local', the SP id, or what else the test calls it */
  name: string;
  path: string;
  headers: Record<string, string>;
  /** Text a successful answer's body contains (the volume id) */
  expect: string;
  /**
   * A merged list: per cloud, text a successful answer also contains (that cloud's volume id)
   * unless X-K2K-Partial names the cloud. Absent: none.
   */
  expectUnlessPartial?: Record<string, string>;
  /** The X-K2K-Service-Provider a successful answer carries (undefined: none, the local cloud or a merged list) */
  serviceProvider?: string;
  /** Requests per second for this target (default: the settings' ratePerTarget); its fixed count scales with it */
  rate?: number;
}

export interface LoadSettings {
  baseUrl: string;
  targets: LoadTarget[];
  /** Requests per second sent to each target (unless the target says otherwise) */
  ratePerTarget: number;
  /** Fixed count per target at ratePerTarget (scaled for one with a rate of its own): the run stops when each target sent its count... */
  requestsPerTarget: number;
  /** ...or when this time has passed, whichever comes first */
  maxMs: number;
  /** Concurrent requests per target, each on its kept-alive connection */
  connectionsPerTarget: number;
  /** A request without an answer by then counts as failed */
  requestTimeoutMs: number;
}

/** One request the load sent. */
export interface RequestRecord {
  target: string;
  /** When it was sent (epoch ms) */
  at: number;
  ms: number;
  /** 0: no HTTP answer (see error) */
  status: number;
  /** 200, the expected volume (or items), from the expected cloud */
  ok: boolean;
  error?: string;
  serviceProvider?: string;
  /** The answer's X-K2K-Partial (a merged list that misses clouds) */
  partial?: string;
  /** The body of an answer that is not ok (truncated to 4 KiB) */
  body?: string;
}

export interface LoadRun {
  started: number;
  ended: number;
  records: RequestRecord[];
}

/** Runs the load in a worker thread; resolves when it is over. */
export function runLoad(settings: LoadSettings): Promise<LoadRun> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(join(__dirname, 'load-worker.js'), { workerData: settings });
    let result: LoadRun | undefined;
    worker.once('message', (message: LoadRun) => (result = message));
    worker.once('error', reject);
    worker.once('exit', (code) => (result ? resolve(result) : reject(new Error(`the load worker exited with code ${code} without results`))));
  });
}

/** The 99th percentile of the latencies, in ms (nearest rank). */
export function p99(records: RequestRecord[]): number {
  if (records.length === 0) return 0;
  const sorted = records.map((record) => record.ms).sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)];
}

/** A short description of failures, for assertion messages: counts by target, status and error, with one body of each. */
export function describeFailures(records: RequestRecord[]): string {
  const counts = new Map<string, { count: number; body?: string }>();
  for (const record of records.filter((r) => !r.ok)) {
    const key = `${record.target} ${record.status}${record.error ? ` ${record.error}` : ''}`;
    const seen = counts.get(key) ?? { count: 0, body: record.body?.slice(0, 300) };
    seen.count++;
    counts.set(key, seen);
  }
  return [...counts].map(([key, { count, body }]) => `${count} x ${key}${body ? ` ${body}` : ''}`).join('; ') || 'none';
}
