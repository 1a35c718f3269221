import { collectDefaultMetrics, Counter, Histogram, Registry, type LabelValues } from 'prom-client';
import type { KeystoneCallEvent } from '@k2k/keystone-auth';
import type { ExchangeEvent, LocationEvent, PlacementEvent, ProbeEvent, SearchEvent } from '@k2k/k2k-forward';

/** What the metrics read their cache counts from, at scrape time. */
export interface CacheSources {
  tokenValidation: () => { hits: number; misses: number };
  remoteTokens: () => { hits: number; misses: number };
  /** Learned location look-ups (an absent mark counts as a hit) */
  locations: () => { hits: number; misses: number };
  store: () => { hits: number; misses: number; errors: number };
}

/**
 * The gateway's Prometheus metrics: requests and their latency per mount and service provider
 * ('local' for the local cloud), K2K exchanges, learned locations, searches and their probes, and
 * cache hits and misses.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'mount' | 'service_provider' | 'method' | 'code'>;
  private readonly latency: Histogram<'mount' | 'service_provider'>;
  /** Each request series' children, bound once: recording a request then allocates no label object */
  private readonly answeredSeries = new Map<string, { count: { inc(): void }; latency: { observe(seconds: number): void } }>();
  private readonly exchanges: Counter<'service_provider' | 'outcome'>;
  private readonly exchangeLatency: Histogram<'service_provider'>;
  private readonly keystoneCalls: Counter<'call' | 'outcome'>;
  private readonly keystoneCallLatency: Histogram<'call'>;
  private readonly locations: Counter<'action' | 'resource_type'>;
  private readonly searches: Counter<'outcome'>;
  private readonly probes: Counter<'service_provider' | 'outcome'>;
  private readonly placements: Counter<'target' | 'policy'>;
  private readonly placementSkips: Counter<'target' | 'policy'>;

  constructor(caches: CacheSources) {
    const registers = [this.registry];
    // Process and runtime metrics (CPU, memory, event-loop lag, GC), as any Node service exports them.
    collectDefaultMetrics({ register: this.registry, prefix: 'k2k_' });
    this.requests = new Counter({ name: 'k2k_requests_total', help: 'Requests answered, by mount, service provider, method and status', labelNames: ['mount', 'service_provider', 'method', 'code'], registers });
    this.latency = new Histogram({
      name: 'k2k_request_duration_seconds',
      help: 'Time to the answer, by mount and service provider',
      labelNames: ['mount', 'service_provider'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.exchanges = new Counter({ name: 'k2k_exchanges_total', help: 'K2K exchanges (IdP assertion to scoped SP token), by outcome', labelNames: ['service_provider', 'outcome'], registers });
    this.exchangeLatency = new Histogram({ name: 'k2k_exchange_duration_seconds', help: 'Time a K2K exchange took', labelNames: ['service_provider'], buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers });
    this.keystoneCalls = new Counter({
      name: 'k2k_keystone_calls_total',
      help: "keystoneAuth's calls to the IdP's Keystone: token validations and the service token, by outcome (ok, refused, failed)",
      labelNames: ['call', 'outcome'],
      registers,
    });
    this.keystoneCallLatency = new Histogram({
      name: 'k2k_keystone_call_duration_seconds',
      help: "Time a keystoneAuth call to the IdP's Keystone took",
      labelNames: ['call'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.locations = new Counter({
      name: 'k2k_locations_total',
      help: 'Learned locations by action and resource type: learned, forgotten, absent (remembered as found nowhere), absent-hit (a 404 answered from that memory, without a search)',
      labelNames: ['action', 'resource_type'],
      registers,
    });
    this.searches = new Counter({ name: 'k2k_searches_total', help: 'Searches for unknown ids, by outcome (local, remote, absent, ambiguous: two clouds or more claimed the id, failed, refused)', labelNames: ['outcome'], registers });
    this.probes = new Counter({ name: 'k2k_search_probes_total', help: 'Search probes, by cloud and outcome (found, missing, invalid: a 2xx not describing the resource asked for, skipped, failed)', labelNames: ['service_provider', 'outcome'], registers });
    this.placements = new Counter({ name: 'k2k_placements_total', help: 'Creates placed by the placement policy, by target (local.name or SP id) and policy', labelNames: ['target', 'policy'], registers });
    this.placementSkips = new Counter({
      name: 'k2k_placement_skips_total',
      help: 'Placement candidates skipped because they could not be reached before the create was sent, by target and policy',
      labelNames: ['target', 'policy'],
      registers,
    });
    snapshotCounter(this.registry, 'k2k_cache_hits_total', 'Cache hits, by cache', ['cache'], () => [
      [{ cache: 'token_validation' }, caches.tokenValidation().hits],
      [{ cache: 'remote_token' }, caches.remoteTokens().hits],
      [{ cache: 'store' }, caches.store().hits],
      [{ cache: 'location' }, caches.locations().hits],
    ]);
    snapshotCounter(this.registry, 'k2k_cache_misses_total', 'Cache misses, by cache', ['cache'], () => [
      [{ cache: 'token_validation' }, caches.tokenValidation().misses],
      [{ cache: 'remote_token' }, caches.remoteTokens().misses],
      [{ cache: 'store' }, caches.store().misses],
      [{ cache: 'location' }, caches.locations().misses],
    ]);
    snapshotCounter(this.registry, 'k2k_store_errors_total', 'Store operations that failed or timed out (each answered as a miss)', [], () => [[{}, caches.store().errors]]);
  }

  /** An answered request; `serviceProvider` is 'local' for the local cloud. */
  answered(mount: string, serviceProvider: string, method: string, status: number, seconds: number): void {
    const key = `${mount}\n${serviceProvider}\n${method}\n${status}`;
    let series = this.answeredSeries.get(key);
    if (!series) {
      series = { count: this.requests.labels(mount, serviceProvider, method, String(status)), latency: this.latency.labels(mount, serviceProvider) };
      this.answeredSeries.set(key, series);
    }
    series.count.inc();
    series.latency.observe(seconds);
  }

  exchanged(event: ExchangeEvent): void {
    this.exchanges.inc({ service_provider: event.serviceProvider, outcome: event.ok ? 'ok' : 'error' });
    this.exchangeLatency.observe({ service_provider: event.serviceProvider }, event.durationMs / 1000);
  }

  keystoneCalled(event: KeystoneCallEvent): void {
    this.keystoneCalls.inc({ call: event.call, outcome: event.outcome });
    this.keystoneCallLatency.observe({ call: event.call }, event.durationMs / 1000);
  }

  location(event: LocationEvent): void {
    this.locations.inc({ action: event.action, resource_type: event.resourceType });
  }

  searched(event: SearchEvent): void {
    this.searches.inc({ outcome: event.outcome });
  }

  probed(event: ProbeEvent): void {
    this.probes.inc({ service_provider: event.serviceProvider ?? 'local', outcome: event.outcome });
  }

  placed(event: PlacementEvent): void {
    if ('target' in event) this.placements.inc({ target: event.target, policy: event.policy });
    for (const target of event.skipped) this.placementSkips.inc({ target, policy: event.policy });
  }
}

/** A counter whose value is read from a monotonic count kept elsewhere, at each scrape. */
function snapshotCounter(registry: Registry, name: string, help: string, labelNames: string[], read: () => [LabelValues<string>, number][]): void {
  new Counter({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const [labels, value] of read()) this.inc(labels, value);
    },
  });
}
