import type { IncomingMessage } from 'node:http';
import type { Logger } from '@k2k/common';
import type { Call } from '../call.js';
import { destinationName, type Destination } from '../execute/cloud-address.js';
import { mountUrl } from './mount-url.js';
import type { LinkMap } from './rewrite-links.js';
import { endpointRoot } from '../execute/upstream-path.js';

/** How the answer step rewrites one answer's links. */
export interface LinkRewrite {
  map: LinkMap;
  /** The largest JSON body read whole to rewrite its links; a larger one is rewritten as it streams */
  limitBytes: number;
  /** Told why links of a JSON body pass as they came (a compressed body, an overlong URL) */
  notRewritten(reason: string): void;
}

/**
 * Step 6's links: for an answer from `destination`, links below that endpoint's root point below
 * this proxy's mount instead, the remote project id replaced by the one the caller used (the
 * project in its path, else its token's).
 */
export class AnswerLinks {
  constructor(
    private readonly endpoints: { endpoint(destination: Destination): URL },
    private readonly publicUrl: URL | undefined,
    private readonly limitBytes: number,
    private readonly logger: Logger,
  ) {}

  /** Each endpoint's root (origin and path before the version), made once */
  private readonly roots = new WeakMap<URL, URL>();

  of(call: Call, destination: Destination): LinkRewrite {
    const endpoint = this.endpoints.endpoint(destination);
    let upstream = this.roots.get(endpoint);
    if (!upstream) this.roots.set(endpoint, (upstream = new URL(`${endpoint.origin}${endpointRoot(endpoint.pathname)}`)));
    const remote = destination.kind === 'remote' ? destination.session.projectId : undefined;
    const local = call.request.projectId ?? call.identity?.project?.id;
    const where = destinationName(destination) ?? 'local';
    return {
      map: new AnswerLinkMap(upstream, call.req, this.publicUrl, remote && local && remote !== local ? { remote, local } : undefined),
      limitBytes: this.limitBytes,
      notRewritten: (reason) => this.logger.warn({ requestId: call.requestId, serviceProvider: where }, `links of the answer not rewritten: ${reason}`),
    };
  }
}

/**
 * One answer's LinkMap, its proxy URL made when a link is rewritten: most answers name no upstream
 * URL, and it costs two URL parses. A class, so the getter lives on the prototype: a getter in an
 * object literal gives every answer a hidden class of its own, held in V8's old generation, which
 * kept each request's objects alive through young-generation collections.
 */
class AnswerLinkMap implements LinkMap {
  private proxyUrl: URL | undefined;

  constructor(
    readonly upstream: URL,
    private readonly req: IncomingMessage,
    private readonly publicUrl: URL | undefined,
    readonly project: { remote: string; local: string } | undefined,
  ) {}

  get proxy(): URL {
    return (this.proxyUrl ??= mountUrl(this.req, this.publicUrl));
  }
}
