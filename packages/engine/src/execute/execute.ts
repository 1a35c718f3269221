import { OpenStackError, type ServiceProvider } from '@k2k/common';
import type { Call } from '../call.js';
import type { CloudAddresses, Destination } from './cloud-address.js';
import type { Locator } from '../learn/locate.js';
import type { Locations } from '../learn/locations.js';
import type { RemoteSessions, SessionRequest } from './remote-session.js';
import { offeredServiceProviders } from '../route/route.js';
import type { SingleTarget } from '../route/target.js';
import type { ProjectIdAnswer, ProjectIds, ProjectTranslation } from './project-ids.js';
import type { Upstream, UpstreamRequest, UpstreamResponse } from './upstream.js';

/** How executing a request ended: handed to the service's own routes, or answered by an upstream. */
export type Delivery =
  | { kind: 'next'; target: SingleTarget }
  | { kind: 'answered'; destination: Destination; response: UpstreamResponse; target: SingleTarget; projectIds?: ProjectIdAnswer };

/** Whether a request was handed to a cloud's connection (a placed create is never sent elsewhere after that). */
export interface Progress {
  sent: boolean;
}

export interface ExecuteSettings {
  /** Whether local requests go to an upstream (else to next()) */
  localUpstream: boolean;
  /** Whether a stale learned location may be searched again */
  search: boolean;
  /** The client's headers that do not go to `destination`, and those to set */
  outgoingHeaders(call: Call, destination: Destination): { remove: ReadonlySet<string>; headers: Record<string, string> };
  /** How each request sent to a cloud went: answered (with the time to its headers) or failed, for health */
  observe(destination: Destination, ok: boolean, latencyMs: number | undefined): void;
}

/**
 * Steps 3 to 5: resolves the target to a cloud (a search for `locate`, a scoped token for a
 * service provider, the caller's own catalog for a passthrough target), names other projects as
 * a service provider knows them (project-ids.ts), sends the request and
 * returns the upstream's answer. Two answers are not the client's: a 401 from a service provider
 * (its cached token was revoked: one fresh exchange, then again) and a 404 where a learned
 * location pointed (the resource moved: forget, search once more, then again); both only for
 * requests that can be sent twice.
 */
export class Executor {
  constructor(
    private readonly upstream: Upstream,
    private readonly sessions: RemoteSessions,
    private readonly locator: Locator,
    private readonly locations: Locations,
    private readonly addresses: CloudAddresses,
    private readonly projectIds: ProjectIds,
    private readonly settings: ExecuteSettings,
  ) {}

  /** `progress.sent` turns true once the request is handed to a cloud's connection (placement never re-sends it then). */
  async execute(call: Call, firstTarget: SingleTarget, progress?: Progress): Promise<Delivery> {
    let target = firstTarget;
    let renewedToken = false;
    for (;;) {
      const destination = await this.resolve(call, target);
      if (destination.kind === 'local' && !this.settings.localUpstream) return { kind: 'next', target };
      const translation = await this.projectIds.translate(call, destination);
      const request = this.upstreamRequest(call, destination, translation);
      if (progress) progress.sent = true;
      const started = Date.now();
      const response = await this.upstream.send(call.req, call.res, request).catch((error: unknown) => {
        // A client that went away took its upstream request with it: not the cloud's failure.
        if (!call.res.destroyed) this.settings.observe(destination, false, undefined);
        throw error;
      });
      this.settings.observe(destination, response.status < 500, Date.now() - started);
      if (response.status === 401 && destination.kind === 'remote' && !renewedToken && replayable(call)) {
        response.body.resume();
        renewedToken = true;
        await this.sessions.forget(this.sessionRequest(call, destination.serviceProvider, target), destination.session);
        target = {
          kind: 'remote',
          serviceProvider: destination.serviceProvider,
          ...(target.kind === 'remote' && target.project && { project: target.project }),
          ...(destination.interface && { interface: destination.interface }),
          reason: 'remote token refused: exchanged again',
        };
        continue;
      }
      const key = this.locations.keyOf(call.identity, call.request);
      if (response.status === 404 && 'learned' in target && target.learned && this.settings.search && key && replayable(call)) {
        response.body.resume();
        await this.locations.forget(key);
        const conflictAt = 'conflictAt' in target ? target.conflictAt : undefined;
        target = { kind: 'locate', candidates: offeredServiceProviders(call.identity, call.limits), reason: 'learned location is stale: search again', ...(conflictAt && { conflictAt }) };
        continue;
      }
      return { kind: 'answered', destination, response, target, ...(translation && { projectIds: translation.answer }) };
    }
  }

  private async resolve(call: Call, target: SingleTarget): Promise<Destination> {
    switch (target.kind) {
      case 'local':
        return { kind: 'local' };
      case 'remote':
        return {
          kind: 'remote',
          serviceProvider: target.serviceProvider,
          session: await this.sessions.get(this.sessionRequest(call, target.serviceProvider, target)),
          ...(target.interface && { interface: target.interface }),
        };
      case 'passthrough':
        return { kind: 'passthrough', name: target.name, region: target.region, callerCatalog: call.identity?.catalog ?? [], ...(target.interface && { interface: target.interface }) };
      case 'locate': {
        const found = await this.locator.locate(call, target.candidates);
        const conflict = target.conflictAt?.(found.kind === 'remote' ? found.serviceProvider.id : null);
        if (conflict) throw new OpenStackError(409, conflict);
        return found;
      }
    }
  }

  private sessionRequest(call: Call, serviceProvider: ServiceProvider, target: SingleTarget): SessionRequest {
    return {
      userToken: call.userToken ?? '',
      serviceProvider,
      ...(target.kind === 'remote' && target.project && { project: target.project }),
      callerProjectName: call.identity?.project?.name,
      callerProjectId: call.identity?.project?.id,
    };
  }

  private upstreamRequest(call: Call, destination: Destination, translation: ProjectTranslation | undefined): UpstreamRequest {
    const { url, token, where } = this.addresses.of(destination, translation?.request ?? call.request, call.userToken ?? '');
    const { remove, headers } = this.settings.outgoingHeaders(call, destination);
    // The local token never leaves for a service provider: the remote one replaces it (and
    // outgoingHeaders leaves the caller's other credentials out). A passthrough target, like the
    // local service, takes the caller's own token as it came.
    if (destination.kind === 'remote') headers['x-auth-token'] = token;
    return { url, where, remove, headers, ...(translation?.body !== undefined && { body: translation.body }) };
  }
}

/** Whether the request can be sent again: no body, or one a body parser (or routing) already holds. */
function replayable(call: Call): boolean {
  const { req } = call;
  if ((req as typeof req & { body?: unknown }).body !== undefined && req.readableEnded) return true;
  return Number(req.headers['content-length'] ?? 0) === 0 && req.headers['transfer-encoding'] === undefined;
}
