import cluster, { type Worker } from 'node:cluster';
import type { Logger as PinoLogger } from 'pino';
import { serveClusterMetrics } from './cluster-metrics.js';
import type { GatewayConfig } from '../config/config.js';
import { RestartPolicy } from './restart-policy.js';
import { isListening, isStartFailed } from './worker-messages.js';

/**
 * The cluster primary: forks the workers, which share the port and the store; replaces a worker
 * that dies, with backoff (RestartPolicy); ends the gateway with exit code 1 and the workers'
 * reason when they keep failing to start; stops them all gracefully on SIGTERM or SIGINT.
 */
export function supervise(config: GatewayConfig, logger: PinoLogger): void {
  const policy = new RestartPolicy();
  const live = new Set<Worker>();
  const ready = new Set<Worker>();
  const startFailures = new Map<Worker, string>();
  const restarts = new Set<NodeJS.Timeout>();
  let announced = false;
  let stopping = false;
  let exitCode = 0;

  serveClusterMetrics();
  cluster.on('message', (worker, message: unknown) => {
    if (isStartFailed(message)) startFailures.set(worker, message.reason);
    if (!isListening(message)) return;
    ready.add(worker);
    policy.workerReady();
    // Tell a parent that started us (the demo, the tests) once every worker is ready.
    if (!announced && ready.size === config.workers) {
      announced = true;
      process.send?.(message);
    }
  });

  const fork = () => {
    const worker = cluster.fork();
    live.add(worker);
    worker.once('exit', (code: number | null, signal: string | null) => {
      // A worker reports its start-up failure just before it exits: read its channel to the end first.
      if (worker.isConnected()) worker.once('disconnect', () => buried(worker, code, signal));
      else buried(worker, code, signal);
    });
  };

  const buried = (worker: Worker, code: number | null, signal: string | null) => {
    live.delete(worker);
    const wasReady = ready.delete(worker);
    const reason = startFailures.get(worker) ?? (signal ? `a worker was killed by ${signal}` : `a worker exited with code ${code}`);
    startFailures.delete(worker);
    if (stopping) {
      if (live.size === 0) process.exit(exitCode);
      return;
    }
    const next = policy.workerDied(wasReady);
    if (next.action === 'give-up') {
      logger.fatal({ reason }, 'workers keep failing to start: stopping the gateway');
      console.error(`k2k gateway: ${reason}`);
      return stopAll(1);
    }
    logger.error({ worker: worker.process.pid, code, signal, reason, restartInMs: next.delayMs }, wasReady ? 'worker died; starting another' : 'worker failed to start; trying again');
    const restart = setTimeout(() => {
      restarts.delete(restart);
      fork();
    }, next.delayMs);
    restarts.add(restart);
  };

  const stopAll = (code: number) => {
    if (stopping) return;
    stopping = true;
    exitCode = code;
    for (const restart of restarts) clearTimeout(restart);
    if (live.size === 0) process.exit(code);
    for (const worker of live) worker.process.kill('SIGTERM');
  };

  for (let i = 0; i < config.workers; i++) fork();
  const stop = () => {
    logger.info({ workers: live.size }, 'stopping: letting workers drain');
    stopAll(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
