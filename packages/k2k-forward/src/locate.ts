import { OpenStackError, type ServiceProvider } from '@k2k/keystone';
import { normalizeResourceId } from '@k2k/store';
import type { Call } from './call.js';
import type { CloudAddress, Destination } from './cloud-address.js';
import type { Locations } from './locations.js';
import type { RemoteSession, RemoteSessions } from './remote-session.js';


/** A probe done, for metrics. */
export interface ProbeEvent {
  /** The service provider, or undefined for the local cloud */
  serviceProvider?: string;
  outcome: 'found' | 'missing' | 'skipped' | 'failed';
}

/** A search done, for metrics. */
export interface SearchEvent {
  outcome: 'local' | 'remote' | 'absent' | 'failed' | 'refused';
  probes: number;
}

/** What the search needs from the rest of k2kForward. */
export interface SearchPorts {
  /** Where the resource would be in a cloud; for the local cloud, undefined when local requests go to the service's own routes */
  resourceAt(call: Call, destination: Destination): CloudAddress | undefined;
  /** The status of a GET of that address */
  probe(address: CloudAddress, call: Call, signal: AbortSignal): Promise<number>;
}

/** Where a search found the resource: the local cloud or a service provider. */
export type FoundAt = Extract<Destination, { kind: 'local' | 'remote' }>;

type RemoteOutcome = { found: true; serviceProvider: ServiceProvider; session: RemoteSession } | { found: false; failure?: string };

/**
 * Rule 4: finds the cloud that holds a resource nobody has learned yet, with GET probes of the
 * resource: the local service first, then every candidate service provider in parallel with the
 * project the request would be scoped to there (an SP where the caller has no such project is
 * skipped). The first 2xx wins and the other probes are cancelled. Found nowhere: 404, remembered
 * for a short while; found nowhere but some cloud failed to answer: 502 naming it, since it may
 * hold the resource. A caller's concurrent searches are capped (429 beyond), so random ids cannot
 * turn into unbounded fan-out.
 */
export class Locator {
  private readonly running = new Map<string, number>();
  /** Searches under way, by caller token and resource (in this process only: never stored) */
  private readonly inFlight = new Map<string, Promise<FoundAt>>();

  constructor(
    private readonly ports: SearchPorts,
    private readonly sessions: RemoteSessions,
    private readonly locations: Locations,
    private readonly maxSearchesPerCaller: number,
    private readonly onProbe: (event: ProbeEvent) => void,
    private readonly onSearch: (event: SearchEvent) => void,
  ) {}

  /**
   * Concurrent searches for the same resource by the same caller (a burst of requests for one id,
   * or every request while the store is down) share one search, and count once against the cap.
   */
  locate(call: Call, candidates: readonly ServiceProvider[]): Promise<FoundAt> {
    const key = `${call.userToken ?? ''}\n${call.request.resourceType}\n${normalizeResourceId(call.request.resourceId ?? '')}`;
    const shared = this.inFlight.get(key);
    if (shared) return shared;
    const search = this.capped(call, candidates).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, search);
    return search;
  }

  private async capped(call: Call, candidates: readonly ServiceProvider[]): Promise<FoundAt> {
    const caller = call.identity?.user.id ?? '';
    const running = this.running.get(caller) ?? 0;
    if (running >= this.maxSearchesPerCaller) {
      this.onSearch({ outcome: 'refused', probes: 0 });
      throw new OpenStackError(429, `Too many searches for unknown ids at once (at most ${this.maxSearchesPerCaller}); try again shortly.`);
    }
    this.running.set(caller, running + 1);
    try {
      return await this.search(call, candidates);
    } finally {
      const left = (this.running.get(caller) ?? 1) - 1;
      if (left === 0) this.running.delete(caller);
      else this.running.set(caller, left);
    }
  }

  private async search(call: Call, candidates: readonly ServiceProvider[]): Promise<FoundAt> {
    const failures: string[] = [];
    const local = this.ports.resourceAt(call, { kind: 'local' });
    if (local) {
      const status = await this.ports.probe(local, call, new AbortController().signal).catch((error: unknown) => describe(error));
      const outcome = typeof status === 'number' ? outcomeOf(status) : 'failed';
      this.onProbe({ outcome });
      if (outcome === 'found') return this.found({ kind: 'local' }, 1);
      if (outcome === 'failed') failures.push(`the local cloud (${typeof status === 'number' ? `HTTP ${status}` : status})`);
    }
    const remote = await this.firstFound(call, candidates);
    const probes = candidates.length + (local ? 1 : 0);
    if (remote.found) return this.found({ kind: 'remote', serviceProvider: remote.serviceProvider, session: remote.session }, probes);
    failures.push(...remote.failures);
    // A service's own routes answer for the local cloud: what no SP has is theirs to answer.
    if (!local) return this.found({ kind: 'local' }, probes);
    if (failures.length > 0) {
      this.onSearch({ outcome: 'failed', probes });
      throw new OpenStackError(502, `Could not search every cloud for ${call.request.resourceType} ${call.request.resourceId}: no answer from ${failures.join(', ')}.`);
    }
    const key = this.locations.keyOf(call.identity, call.request);
    if (key) await this.locations.rememberAbsent(key);
    this.onSearch({ outcome: 'absent', probes });
    throw new OpenStackError(404, `No cloud has ${call.request.resourceType} ${call.request.resourceId} for you.`);
  }

  private found(found: FoundAt, probes: number): FoundAt {
    this.onSearch({ outcome: found.kind, probes });
    return found;
  }

  /** Probes every candidate at once; resolves with the first found, or once all have answered. */
  private firstFound(call: Call, candidates: readonly ServiceProvider[]): Promise<RemoteOutcome & { failures: string[] }> {
    const cancel = new AbortController();
    const failures: string[] = [];
    return new Promise((resolve) => {
      let waiting = candidates.length;
      if (waiting === 0) return resolve({ found: false, failures });
      for (const serviceProvider of candidates) {
        void this.probeRemote(call, serviceProvider, cancel.signal).then((outcome) => {
          if (outcome.found) {
            cancel.abort();
            resolve({ ...outcome, failures });
          } else if (outcome.failure) failures.push(outcome.failure);
          if (--waiting === 0) resolve({ found: false, failures });
        });
      }
    });
  }

  private async probeRemote(call: Call, serviceProvider: ServiceProvider, signal: AbortSignal): Promise<RemoteOutcome> {
    let session: RemoteSession;
    try {
      session = await this.sessions.get({ userToken: call.userToken ?? '', serviceProvider, callerProjectName: call.identity?.project?.name, callerProjectId: call.identity?.project?.id });
    } catch (error) {
      // No project for the caller there (or an ambiguous choice): nothing of theirs to find.
      const skipped = error instanceof OpenStackError && error.status >= 400 && error.status < 500;
      this.onProbe({ serviceProvider: serviceProvider.id, outcome: skipped ? 'skipped' : 'failed' });
      return skipped ? { found: false } : { found: false, failure: `service provider ${serviceProvider.id} (${describe(error)})` };
    }
    if (signal.aborted) return { found: false };
    try {
      const address = this.ports.resourceAt(call, { kind: 'remote', serviceProvider, session }) as CloudAddress;
      const status = await this.ports.probe(address, call, signal);
      const outcome = outcomeOf(status);
      this.onProbe({ serviceProvider: serviceProvider.id, outcome });
      if (outcome === 'found') return { found: true, serviceProvider, session };
      return outcome === 'failed' ? { found: false, failure: `service provider ${serviceProvider.id} (HTTP ${status})` } : { found: false };
    } catch (error) {
      if (signal.aborted) return { found: false };
      // No such endpoint for the caller's project there: nothing of theirs to find either.
      const skipped = error instanceof OpenStackError && error.status >= 400 && error.status < 500;
      this.onProbe({ serviceProvider: serviceProvider.id, outcome: skipped ? 'skipped' : 'failed' });
      return skipped ? { found: false } : { found: false, failure: `service provider ${serviceProvider.id} (${describe(error)})` };
    }
  }
}

/** 2xx: there; 404 (and 403, another project's): not there for this caller; anything else: no answer. */
function outcomeOf(status: number): ProbeEvent['outcome'] {
  if (status >= 200 && status < 300) return 'found';
  if (status === 404 || status === 403) return 'missing';
  return 'failed';
}

function describe(error: unknown): string {
  return error instanceof OpenStackError ? `HTTP ${error.status}` : ((error as Error)?.message ?? String(error));
}
