import type { Logger } from '@k2k/common';
import { OpenStackError, type ServiceProvider } from '@k2k/common';
import { normalizeResourceId } from '@k2k/store';
import type { Call } from '../call.js';
import type { CloudAddress, Destination } from '../execute/cloud-address.js';
import type { Locations } from './locations.js';
import type { RemoteSession, RemoteSessions } from '../execute/remote-session.js';
import type { ResourceTypes } from './resource-types.js';
import type { ProbeAnswer } from '../execute/upstream.js';

/** A probe done, for metrics. */
export interface ProbeEvent {
  /** The service provider, or undefined for the local cloud */
  serviceProvider?: string;
  /** `invalid`: a 2xx whose body does not describe the resource asked for (a misbehaving cloud: no claimant) */
  outcome: 'found' | 'missing' | 'invalid' | 'skipped' | 'failed';
}

/** A search done (every probe in), for metrics. */
export interface SearchEvent {
  /** `ambiguous`: two clouds or more claimed the id; nothing learned */
  outcome: 'local' | 'remote' | 'absent' | 'ambiguous' | 'failed' | 'refused';
  probes: number;
}

/** What the search needs from the rest of the engine. */
export interface SearchPorts {
  /** Where the resource would be in a cloud; for the local cloud, undefined when local requests go to the service's own routes */
  resourceAt(call: Call, destination: Destination): CloudAddress | undefined;
  /** A GET of that address: its status, and a 2xx answer's body (bounded) */
  probe(address: CloudAddress, call: Call): Promise<ProbeAnswer>;
}

export interface LocatorSettings {
  /** A caller's searches under way at once; 429 beyond */
  maxSearchesPerCaller: number;
  logger: Logger;
  onProbe(event: ProbeEvent): void;
  onSearch(event: SearchEvent): void;
}

/** Where a search found the resource: the local cloud or a service provider. */
export type FoundAt = Extract<Destination, { kind: 'local' | 'remote' }>;
type FoundRemote = Extract<Destination, { kind: 'remote' }>;

type RemoteOutcome = { found: FoundRemote } | { found?: undefined; failure?: string };
/** What one cloud's probe says; `failure`: it gave no answer (why) */
type Verdict = { found: boolean; invalid?: boolean; failure?: string };

/** One search under way: the first valid claimant (what a read waits for) and the search's end (what a mutation waits for). */
interface Search {
  first: Promise<FoundAt>;
  settled: Promise<FoundAt>;
}

/**
 * Rule 4 (DESIGN "One request", 2.4): finds the cloud that holds a resource nobody has learned
 * yet, with GET probes of the resource: the local service first, then every candidate service
 * provider in parallel with the project the request would be scoped to there (an SP where the
 * caller has no such project is skipped). A probe finds the resource only when its 2xx answer
 * describes it in the service's own shape with the id asked for (ResourceTypes.describes); any
 * other 2xx is a misbehaving cloud: logged, counted, no claimant.
 *
 * A read takes the first valid claimant; the other probes still finish, and what the search
 * learns is settled once all are in: one claimant, every cloud answering -> learned; two or more
 * -> ambiguous (a warning naming them, nothing learned). A mutation is never broadcast: it waits
 * for every probe and goes to the single claimant; two or more -> 409 naming them. So no cloud,
 * however it answers, draws another cloud's reads or writes to itself.
 *
 * Found nowhere: 404, remembered for a short while; found nowhere but some cloud failed to answer:
 * 502 naming it, since it may hold the resource. A caller's concurrent searches are capped (429
 * beyond, counted until every probe is in), so random ids cannot turn into unbounded fan-out.
 */
export class Locator {
  private readonly running = new Map<string, number>();
  /** Searches under way, by caller token and resource (in this process only: never stored) */
  private readonly inFlight = new Map<string, Search>();

  constructor(
    private readonly ports: SearchPorts,
    private readonly sessions: RemoteSessions,
    private readonly locations: Locations,
    private readonly resources: ResourceTypes,
    private readonly settings: LocatorSettings,
  ) {}

  /**
   * Concurrent searches for the same resource by the same caller (a burst of requests for one id,
   * or every request while the store is down) share one search, and count once against the cap.
   */
  locate(call: Call, candidates: readonly ServiceProvider[]): Promise<FoundAt> {
    const key = `${call.userToken ?? ''}\n${call.request.resourceType}\n${normalizeResourceId(call.request.resourceId ?? '')}`;
    let search = this.inFlight.get(key);
    if (!search) {
      search = this.capped(call, candidates);
      this.inFlight.set(key, search);
      search.settled.catch(() => undefined).finally(() => this.inFlight.delete(key));
    }
    return mutates(call) ? search.settled : search.first;
  }

  private capped(call: Call, candidates: readonly ServiceProvider[]): Search {
    const caller = call.identity?.user.id ?? '';
    const running = this.running.get(caller) ?? 0;
    if (running >= this.settings.maxSearchesPerCaller) {
      this.settings.onSearch({ outcome: 'refused', probes: 0 });
      const refused = Promise.reject(new OpenStackError(429, `Too many searches for unknown ids at once (at most ${this.settings.maxSearchesPerCaller}); try again shortly.`));
      return handled({ first: refused, settled: refused });
    }
    this.running.set(caller, running + 1);
    let claim!: (found: FoundAt) => void;
    const claimed = new Promise<FoundAt>((resolve) => (claim = resolve));
    const settled = this.search(call, candidates, claim).finally(() => {
      const left = (this.running.get(caller) ?? 1) - 1;
      if (left === 0) this.running.delete(caller);
      else this.running.set(caller, left);
    });
    // A read goes on with the first claimant; without one, it has the search's own end.
    return handled({ first: Promise.race([claimed, settled]), settled });
  }

  private async search(call: Call, candidates: readonly ServiceProvider[], claim: (found: FoundAt) => void): Promise<FoundAt> {
    const failures: string[] = [];
    const key = this.locations.keyOf(call.identity, call.request);
    const local = this.ports.resourceAt(call, { kind: 'local' });
    if (local) {
      const outcome = await this.probe(call, local, 'the local cloud').catch((error: unknown): Verdict => ({ found: false, failure: describe(error) }));
      this.settings.onProbe({ outcome: probeOutcome(outcome) });
      if (outcome.found) {
        // We trust our own cloud: what it validly holds is its own, whatever an SP would claim, so no SP is asked.
        if (key) await this.locations.learn(key, { serviceProvider: null });
        return this.found({ kind: 'local' }, 1);
      }
      if (outcome.failure) failures.push(`the local cloud (${outcome.failure})`);
    }
    const probes = candidates.length + (local ? 1 : 0);
    const claimants: FoundRemote[] = [];
    await Promise.all(
      candidates.map(async (serviceProvider) => {
        const outcome = await this.probeRemote(call, serviceProvider);
        if (outcome.found) {
          claimants.push(outcome.found);
          if (claimants.length === 1) claim(outcome.found);
        } else if (outcome.failure) failures.push(outcome.failure);
      }),
    );
    if (claimants.length > 1) return this.ambiguous(call, claimants, probes);
    const [owner] = claimants;
    if (owner) {
      if (mutates(call) && failures.length > 0) return this.failed(call, failures, probes, ' (one may hold it besides the one that claims it)');
      // Learned only when every cloud answered: one that did not may be the owner, and a location
      // learned now would send the next mutation to the claimant without a search.
      if (key && failures.length === 0) await this.locations.learn(key, { serviceProvider: owner.serviceProvider.id, projectId: owner.session.projectId });
      return this.found(owner, probes);
    }
    // A service's own routes answer for the local cloud: what no SP has is theirs to answer.
    if (!local) return this.found({ kind: 'local' }, probes);
    if (failures.length > 0) return this.failed(call, failures, probes, '');
    if (key) await this.locations.rememberAbsent(key);
    this.settings.onSearch({ outcome: 'absent', probes });
    throw new OpenStackError(404, `No cloud has ${call.request.resourceType} ${call.request.resourceId} for you.`);
  }

  private found(found: FoundAt, probes: number): FoundAt {
    this.settings.onSearch({ outcome: found.kind, probes });
    return found;
  }

  private failed(call: Call, failures: readonly string[], probes: number, why: string): never {
    this.settings.onSearch({ outcome: 'failed', probes });
    throw new OpenStackError(502, `Could not search every cloud for ${call.request.resourceType} ${call.request.resourceId}: no answer from ${failures.join(', ')}${why}.`);
  }

  /**
   * Two clouds or more claim the id. Not remembered at all, so each request for it searches
   * again: an ambiguity is a cloud misbehaving (or an id reused), and a fresh search sees it
   * resolved as soon as it is, where a remembered mark would keep refusing. The search cap bounds
   * what that costs. Nothing was learned from this search (it learns only once every probe is in),
   * so nothing is left to drop. A read already answered by the first claimant keeps that answer.
   */
  private ambiguous(call: Call, claimants: readonly FoundRemote[], probes: number): never {
    const names = claimants.map((claimant) => `service provider ${claimant.serviceProvider.id}`).join(' and ');
    const { resourceType, resourceId } = call.request;
    this.settings.logger.warn(
      { requestId: call.requestId, resourceType, resourceId, serviceProviders: claimants.map((claimant) => claimant.serviceProvider.id) },
      `search: ${names} both claim ${resourceType} ${resourceId}; not learned (one of them misbehaves)`,
    );
    this.settings.onSearch({ outcome: 'ambiguous', probes });
    throw new OpenStackError(409, `More than one cloud claims ${resourceType} ${resourceId} (${names}); nothing was sent. Name the cloud: the SERVICE-PROVIDER header or ${resourceId}@<service provider>.`);
  }

  private async probeRemote(call: Call, serviceProvider: ServiceProvider): Promise<RemoteOutcome> {
    let session: RemoteSession;
    try {
      session = await this.sessions.get({ userToken: call.userToken ?? '', serviceProvider, callerProjectName: call.identity?.project?.name, callerProjectId: call.identity?.project?.id });
    } catch (error) {
      return this.notProbed(serviceProvider, error);
    }
    try {
      const found: FoundRemote = { kind: 'remote', serviceProvider, session };
      const outcome = await this.probe(call, this.ports.resourceAt(call, found) as CloudAddress, `service provider ${serviceProvider.id}`);
      this.settings.onProbe({ serviceProvider: serviceProvider.id, outcome: probeOutcome(outcome) });
      if (outcome.found) return { found };
      return outcome.failure ? { failure: `service provider ${serviceProvider.id} (${outcome.failure})` } : {};
    } catch (error) {
      // No such endpoint for the caller's project there: nothing of theirs to find either.
      return this.notProbed(serviceProvider, error);
    }
  }

  /** No project for the caller there (or an ambiguous choice), no endpoint, or no answer. */
  private notProbed(serviceProvider: ServiceProvider, error: unknown): RemoteOutcome {
    const skipped = error instanceof OpenStackError && error.status >= 400 && error.status < 500;
    this.settings.onProbe({ serviceProvider: serviceProvider.id, outcome: skipped ? 'skipped' : 'failed' });
    return skipped ? {} : { failure: `service provider ${serviceProvider.id} (${describe(error)})` };
  }

  /**
   * What one cloud's probe says: found (a 2xx describing the resource asked for), missing (404,
   * or 403: another project's), invalid (any other 2xx: logged), or no answer (`failure`).
   */
  private async probe(call: Call, address: CloudAddress, where: string): Promise<Verdict> {
    const { status, body, oversized } = await this.ports.probe(address, call);
    if (status === 404 || status === 403) return { found: false };
    if (status < 200 || status >= 300) return { found: false, failure: `HTTP ${status}` };
    const { resourceType, resourceId } = call.request;
    const why = oversized ? 'its body is larger than the JSON limit' : this.resources.describes(parse(body), resourceType ?? '', resourceId ?? '') ? undefined : 'its body does not describe that resource';
    if (!why) return { found: true };
    this.settings.logger.warn({ requestId: call.requestId, serviceProvider: address.serviceProvider, resourceType }, `search: ${where} answered ${status} for ${resourceType} ${resourceId} but ${why}; not a claimant`);
    return { found: false, invalid: true };
  }
}

function probeOutcome(verdict: Verdict): ProbeEvent['outcome'] {
  if (verdict.found) return 'found';
  if (verdict.failure) return 'failed';
  return verdict.invalid ? 'invalid' : 'missing';
}

/** A mutation is never sent on the first claimant's word: POST (an action), PUT, PATCH, DELETE. */
function mutates(call: Call): boolean {
  return call.request.method !== 'GET' && call.request.method !== 'HEAD';
}

/** A search whose promises each have a handler: whichever the caller does not wait for never rejects unhandled. */
function handled(search: Search): Search {
  search.first.catch(() => undefined);
  search.settled.catch(() => undefined);
  return search;
}

function parse(body: Buffer | undefined): unknown {
  if (!body) return undefined;
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

function describe(error: unknown): string {
  return error instanceof OpenStackError ? `HTTP ${error.status}` : ((error as Error)?.message ?? String(error));
}
