import { createHash } from 'node:crypto';
import type { KeystoneClient, Project } from '@k2k/keystone';
import { OpenStackError, type CatalogEntry, type ServiceProvider } from '@k2k/common';
import { SingleFlight, TokenCache, type Store } from '@k2k/store';
import { exchangeError } from './k2k-errors.js';
import { pseudonymousProjectName, type IdentityMode, type ParsedReseller } from './reseller.js';
import type { ProjectRequest } from '../parse/routing-headers.js';

/** A scoped token at a service provider, with what it is good for. Cached (sealed) in the store. */
export interface RemoteSession {
  token: string;
  expiresAt: string;
  projectId: string;
  projectName: string;
  catalog: CatalogEntry[];
}

/** Whom the session is for, and where. */
export interface SessionRequest {
  userToken: string;
  serviceProvider: ServiceProvider;
  /** The project the caller asked for; absent: the caller's own project name, else the only one */
  project?: ProjectRequest;
  /** The caller's local project name, for the default choice */
  callerProjectName?: string;
  /** The caller's local project id: a reseller SP's project is its pseudonym */
  callerProjectId?: string;
}

/** Whose identity each service provider gets (DESIGN "Reseller anonymity"). */
export interface SessionIdentities {
  modeOf(serviceProvider: string): IdentityMode;
  /** Set when some SP has identity 'reseller' */
  reseller?: ParsedReseller;
  /** The service's own project-scoped token at the IdP (the reseller's identity) */
  serviceToken?: () => Promise<string>;
}

/** Who a session is for: the caller's token and the project asked for, or (reseller) the service and the customer's pseudonymous project. */
interface SessionOwner {
  /** What the cache and the flight are keyed by: the user token, or the customer's local project */
  subject: string;
  project?: ProjectRequest;
  /** The token the K2K exchange starts from */
  token: () => Promise<string>;
}

/** How long a worker keeps a session it read or made (another worker's forget reaches it this late at most). */
const LOCAL_COPY_SECONDS = 10;

/** Counters of K2K exchanges, for metrics. */
export interface ExchangeStats {
  exchanges: number;
  failures: number;
}

/** One K2K exchange done, for metrics and logs. */
export interface ExchangeEvent {
  serviceProvider: string;
  ok: boolean;
  durationMs: number;
}

/**
 * Step 3: a scoped token at the service provider. From the cache when one is there (keyed by the
 * user token's hash, the SP and the project); otherwise the K2K exchange, done once for concurrent
 * callers in this process and in every worker sharing the store: IdP ECP assertion -> the SP's
 * unscoped token -> scoped to the project -> cached until shortly before it expires.
 * At a reseller SP the exchange starts from the service's own token and is scoped to the
 * customer's pseudonymous project, whatever project was asked for; the session is keyed by the
 * customer's local project, so every user of that project shares it.
 */
export class RemoteSessions {
  private readonly cache: TokenCache<RemoteSession>;
  private readonly flights: SingleFlight;
  private readonly counts: ExchangeStats = { exchanges: 0, failures: 0 };

  constructor(
    private readonly idp: KeystoneClient,
    store: Store,
    safetyMarginSeconds: number,
    keystoneTimeoutMs: number,
    private readonly onExchange: (event: ExchangeEvent) => void,
    private readonly identities: SessionIdentities,
  ) {
    // Warm requests find their session in this process: no store round trip, no decryption.
    this.cache = new TokenCache<RemoteSession>(store, { safetyMarginSeconds, localTtlSeconds: LOCAL_COPY_SECONDS });
    // The lease outlives a slow exchange: assertion, SP consumer, auth URL, project list, scope.
    this.flights = new SingleFlight(store, { leaseSeconds: Math.ceil((keystoneTimeoutMs * 5) / 1000) });
  }

  async get(request: SessionRequest): Promise<RemoteSession> {
    const owner = this.ownerOf(request);
    const project = projectKey(owner.project);
    const cached = await this.cache.get(owner.subject, request.serviceProvider.id, project);
    if (cached) return cached;
    const flightKey = `k2k\n${createHash('sha256').update(owner.subject).digest('hex')}\n${request.serviceProvider.id}\n${project}`;
    return this.flights.run(
      flightKey,
      () => this.exchange(request, owner, project),
      () => this.cache.get(owner.subject, request.serviceProvider.id, project),
    );
  }

  /** Drops a cached session the SP no longer accepts, under the key asked for and under its project's id. */
  async forget(request: SessionRequest, session: RemoteSession): Promise<void> {
    const owner = this.ownerOf(request);
    const keys = new Set([projectKey(owner.project), projectKey({ id: session.projectId })]);
    await Promise.all([...keys].map((key) => this.cache.delete(owner.subject, request.serviceProvider.id, key)));
  }

  private ownerOf(request: SessionRequest): SessionOwner {
    const sp = request.serviceProvider.id;
    if (this.identities.modeOf(sp) === 'user') return { subject: request.userToken, ...(request.project && { project: request.project }), token: async () => request.userToken };
    const { reseller, serviceToken } = this.identities;
    if (!reseller || !serviceToken) throw new OpenStackError(500, `Service provider ${sp} is reached as a reseller, but k2kForward has no service token: mount keystoneAuth before it (or set reseller.serviceToken).`);
    if (!request.callerProjectId) throw new OpenStackError(403, `Service provider ${sp} is reached through this cloud's reseller account: use a project-scoped token.`);
    // The caller's own customer project, never one a header names: a learned location names the same one by id.
    const project = { name: pseudonymousProjectName(reseller.secret, request.callerProjectId), domain: reseller.projectDomain };
    // A subject no user token can equal: the cache key derives from it.
    return { subject: `reseller\n${request.callerProjectId}`, project, token: serviceToken };
  }

  stats(): ExchangeStats & { cache: { hits: number; misses: number } } {
    return { ...this.counts, cache: this.cache.stats() };
  }

  private async exchange(request: SessionRequest, owner: SessionOwner, project: string): Promise<RemoteSession> {
    const sp = request.serviceProvider;
    const started = Date.now();
    this.counts.exchanges++;
    try {
      const { unscoped, serviceProvider } = await this.idp.federate(await owner.token(), sp).catch((error: unknown) => {
        throw exchangeError(error, (error as { url?: string }).url?.startsWith(this.idp.authUrl) ? 'assertion' : 'service provider', sp.id);
      });
      const target = owner.project ?? (await this.defaultProject(serviceProvider, unscoped.id, sp.id, request.callerProjectName));
      const scope = 'id' in target ? { project: { id: target.id } } : { project: { name: target.name, domain: { name: target.domain } } };
      const scoped = await serviceProvider.scopeToken(unscoped.id, scope).catch((error: unknown) => {
        throw exchangeError(error, 'scope', sp.id, 'id' in target ? target.id : `${target.name} (domain ${target.domain})`);
      });
      const session: RemoteSession = {
        token: scoped.id,
        expiresAt: scoped.expiresAt,
        projectId: scoped.project?.id ?? '',
        projectName: scoped.project?.name ?? '',
        catalog: scoped.catalog,
      };
      await this.cache.set(owner.subject, sp.id, project, session);
      // Learned locations name the remote project by id: let them find this session too.
      const byId = projectKey({ id: session.projectId });
      if (byId !== project && session.projectId) await this.cache.set(owner.subject, sp.id, byId, session);
      this.onExchange({ serviceProvider: sp.id, ok: true, durationMs: Date.now() - started });
      return session;
    } catch (error) {
      this.counts.failures++;
      this.onExchange({ serviceProvider: sp.id, ok: false, durationMs: Date.now() - started });
      throw error;
    }
  }

  /** No project asked for: the caller's local project name if the SP offers it, else the only project offered. */
  private async defaultProject(serviceProvider: KeystoneClient, unscoped: string, spId: string, callerProjectName?: string): Promise<ProjectRequest> {
    const projects: Project[] = await serviceProvider.listProjects(unscoped).catch((error: unknown) => {
      throw exchangeError(error, 'service provider', spId);
    });
    const enabled = projects.filter((project) => project.enabled);
    const sameName = enabled.filter((project) => project.name === callerProjectName);
    if (sameName.length === 1) return { id: sameName[0].id };
    if (enabled.length === 1) return { id: enabled[0].id };
    if (enabled.length === 0) throw new OpenStackError(403, `No project is available to you at service provider ${spId}.`);
    throw new OpenStackError(400, `Several projects are available to you at service provider ${spId}: send PROJECT-NAME and PROJECT-DOMAIN (or MM-PROJECT-ID) to choose one.`);
  }
}

function projectKey(project: ProjectRequest | undefined): string {
  if (!project) return 'default';
  return 'id' in project ? `id:${project.id}` : `name:${project.domain}/${project.name}`;
}
