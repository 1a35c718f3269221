import { serviceProviderKeystoneUrl, type KeystoneClient, type Project } from '@k2k/keystone';
import type { Logger } from '@k2k/common';
import type { Call } from '../call.js';
import type { ApiRequest } from '../parse/parse-request.js';
import { pathSegment } from '../parse/path-segment.js';
import { readJsonBody } from '../parse/request-body.js';
import type { Destination } from './cloud-address.js';

/** Where one request names projects besides its path's own. */
interface ProjectSlots {
  /** The segment of the request's `rest` (split on '/') that is a project id */
  pathIndex?: number;
  /** The body's key whose value is a project id */
  bodyKey?: string;
  /** The answer's keys whose values are project ids */
  answerKeys: readonly string[];
}

const MEMBER_ANSWER = ['member_id'];

/**
 * Each API's requests that name other projects by id: Glance's image members (`POST
 * /v2/images/{id}/members {"member": ...}`, `/v2/images/{id}/members/{member}`, `member_id` in
 * the answers).
 */
function slotsOf(api: string, request: ApiRequest): ProjectSlots | undefined {
  if (api !== 'image' || request.resourceType !== 'images') return undefined;
  if (request.action === 'members') return { ...(request.method === 'POST' && { bodyKey: 'member' }), answerKeys: MEMBER_ANSWER };
  // '/images/<id>/members/<member>' -> ['', 'images', '<id>', 'members', '<member>']
  if (request.action?.startsWith('members/') && !request.action.slice('members/'.length).includes('/')) return { pathIndex: 4, answerKeys: MEMBER_ANSWER };
  return undefined;
}

/** How an answer's project ids go back: the keys that hold them, and each SP id's local one. */
export interface ProjectIdAnswer {
  keys: readonly string[];
  local(remoteId: string): string | undefined;
}

/** A request to a service provider with the project ids it names as the SP knows them. */
export interface ProjectTranslation {
  request: ApiRequest;
  /** The body to send instead of the client's (JSON), when it named a project */
  body?: string;
  answer: ProjectIdAnswer;
}

/**
 * Project ids other than the path's own, in requests to a service provider (issue #30, cause 6): a
 * client names projects by their ids at the IdP, which the SP does not know. Known pairs: the
 * caller's own project and the one its session is scoped to, and every project at the SP that the
 * session can reach and that carries a link tag `<linkTag>:<IdP project id>`, as project sync
 * (`k2k-gateway sync`) tags its mirrors. An id with no pair passes as it came. What one SP's
 * Keystone answers is used for requests to that SP only.
 */
export class ProjectIds {
  constructor(
    private readonly api: string,
    private readonly keystone: KeystoneClient,
    private readonly linkTag: string,
    private readonly bodyLimitBytes: number,
    private readonly logger: Logger,
  ) {}

  /** The request as it goes to `destination`, when it is an SP and the request names projects; else undefined. */
  async translate(call: Call, destination: Destination): Promise<ProjectTranslation | undefined> {
    if (destination.kind !== 'remote') return undefined;
    const slots = slotsOf(this.api, call.request);
    if (!slots) return undefined;
    const pairs = new Map<string, string>();
    const own = call.identity?.project?.id;
    if (own && destination.session.projectId) pairs.set(own, destination.session.projectId);
    for (const project of await this.reachable(call, destination)) {
      const link = project.tags.find((tag) => tag.startsWith(`${this.linkTag}:`));
      if (link) pairs.set(link.slice(this.linkTag.length + 1), project.id);
    }
    const locals = new Map([...pairs].map(([local, remote]) => [remote, local]));
    const remote = (id: string) => {
      const mapped = pairs.get(id);
      return mapped === undefined ? id : pathSegment(mapped, "The service provider's project id", 502);
    };
    return {
      request: slots.pathIndex === undefined ? call.request : withSegment(call.request, slots.pathIndex, remote),
      ...(slots.bodyKey !== undefined && { body: await this.translatedBody(call, slots.bodyKey, remote) }),
      answer: { keys: slots.answerKeys, local: (id) => locals.get(id) },
    };
  }

  /** The projects the session can reach at its SP; none when its Keystone does not say (logged). */
  private async reachable(call: Call, destination: Extract<Destination, { kind: 'remote' }>): Promise<Project[]> {
    const sp = destination.serviceProvider;
    try {
      return await this.keystone.clientFor(serviceProviderKeystoneUrl(sp)).listProjects(destination.session.token);
    } catch (error) {
      this.logger.warn({ requestId: call.requestId, serviceProvider: sp.id, error: (error as Error).message }, 'project links not read: project ids pass as they came');
      return [];
    }
  }

  private async translatedBody(call: Call, key: string, remote: (id: string) => string): Promise<string | undefined> {
    const body = await readJsonBody(call.req, this.bodyLimitBytes);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
    const value = (body as Record<string, unknown>)[key];
    if (typeof value !== 'string') return undefined;
    return JSON.stringify({ ...body, [key]: remote(value) });
  }
}

function withSegment(request: ApiRequest, index: number, remote: (id: string) => string): ApiRequest {
  const segments = request.rest.split('/');
  const id = segments[index];
  if (id === undefined || id === '') return request;
  segments[index] = remote(id);
  return { ...request, rest: segments.join('/') };
}
