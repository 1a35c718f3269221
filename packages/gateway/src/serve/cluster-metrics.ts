import cluster from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { AggregatorRegistry, type Registry } from 'prom-client';

const REQUEST = 'k2k:metrics-request';
const RESPONSE = 'k2k:metrics-response';

interface MetricsMessage {
  type: string;
  id: string;
  text?: string;
}

/**
 * Metrics over all workers: a scrape reaches one worker, which asks the primary; the primary
 * gathers every worker's registry (prom-client's AggregatorRegistry) and answers.
 */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, message: MetricsMessage) => {
    if (message?.type !== REQUEST) return;
    aggregator.clusterMetrics().then(
      (text) => worker.send({ type: RESPONSE, id: message.id, text }),
      (error: Error) => worker.send({ type: RESPONSE, id: message.id, text: `# metrics unavailable: ${error.message}\n` }),
    );
  });
}

/** In a worker: registers its registry for aggregation and returns how to read the cluster's metrics. */
export function clusterMetricsReader(registry: Registry): () => Promise<string> {
  AggregatorRegistry.setRegistries([registry]);
  // Constructing one is what makes prom-client answer the primary's requests in this worker.
  new AggregatorRegistry();
  return () =>
    new Promise((resolve, reject) => {
      const id = randomUUID();
      const timer = setTimeout(() => {
        process.off('message', onMessage);
        reject(new Error('the primary did not answer with the cluster metrics'));
      }, 5000);
      const onMessage = (message: MetricsMessage) => {
        if (message?.type !== RESPONSE || message.id !== id) return;
        clearTimeout(timer);
        process.off('message', onMessage);
        resolve(message.text ?? '');
      };
      process.on('message', onMessage);
      process.send?.({ type: REQUEST, id });
    });
}
