/**
 * The K2K gateway. `npm start -w samples/gateway -- --config FILE` (YAML or JSON; see README).
 * With workers > 1 a node cluster primary forks the workers, which share the port and memcached,
 * replaces a worker that dies, and stops them all gracefully on SIGTERM or SIGINT.
 */
import cluster from 'node:cluster';
import { parseArgs } from 'node:util';
import { OptionError } from '@k2k/store';
import { loadConfig, type GatewayConfig } from './config.js';
import { clusterMetricsReader, serveClusterMetrics } from './cluster-metrics.js';
import { createLogger } from './logger.js';
import { runGateway } from './server.js';

function readConfig(): GatewayConfig {
  const { values } = parseArgs({ options: { config: { type: 'string', short: 'c' } } });
  if (!values.config) throw new OptionError('--config', 'give the gateway config file: --config FILE (YAML or JSON)');
  return loadConfig(values.config);
}

async function serve(config: GatewayConfig, inCluster: boolean): Promise<void> {
  const logger = createLogger(config.logLevel);
  const running = await runGateway(config, logger, inCluster ? { readMetrics: (metrics) => clusterMetricsReader(metrics.registry) } : {});
  if (!inCluster) process.send?.({ type: 'k2k:listening', port: running.port });
  const stop = () => void running.stop().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

function supervise(config: GatewayConfig): void {
  const logger = createLogger(config.logLevel);
  let stopping = false;
  serveClusterMetrics();
  let listening = 0;
  cluster.on('listening', (_worker, address) => {
    // Tell a parent that started us (the demo, the tests) once every worker is ready.
    if (++listening === config.workers) process.send?.({ type: 'k2k:listening', port: address.port });
  });
  for (let i = 0; i < config.workers; i++) cluster.fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    logger.error({ worker: worker.process.pid, code, signal }, 'worker died; starting another');
    cluster.fork();
  });
  const stop = () => {
    stopping = true;
    logger.info({ workers: config.workers }, 'stopping: letting workers finish their requests');
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

function main(): void {
  let config: GatewayConfig;
  try {
    config = readConfig();
  } catch (error) {
    console.error(`k2k gateway: ${(error as Error).message}`);
    process.exit(2);
  }
  if (config.workers > 1 && cluster.isPrimary) return supervise(config);
  serve(config, cluster.isWorker).catch((error: Error) => {
    console.error(`k2k gateway: ${error.message}`);
    process.exit(1);
  });
}

main();
