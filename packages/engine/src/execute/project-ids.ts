import { serviceProviderKeystoneUrl, type KeystoneClient, type Project } from '@k2k/keystone';
import type { Logger } from '@k2k/common';
import type { Call } from '../call.js';
import type { ApiRequest } from '../parse/parse-request.js';
import { pathSegment } from '../parse/path-segment.js';
import { readJsonBody } from '../parse/request-body.js';
import { replaceProjectIds, type JsonPlace } from './project-id-places.js';
import type { Destination } from './cloud-address.js';

/** Where one request names projects besides its path's own. */
interface ProjectSlots {
  /** The segment of the request's `rest` (split on '/') that is a project id */
  pathIndex?: number;
  /** Where its JSON body holds project ids */
  body?: readonly JsonPlace[];
  /** Its query parameters that are project ids */
  query?: readonly string[];
  /** Where the answer holds project ids */
  answer: readonly JsonPlace[];
  /** Only the caller's own project is paired (no request to the SP's Keystone for its linked ones): an answer's owners */
  ownOnly?: boolean;
}

const MEMBER: readonly JsonPlace[] = [{ key: 'member_id' }];
const NO_PLACES: readonly JsonPlace[] = [];

/**
 * Where each API's resources name the project that owns them. The caller's project at the SP goes
 * back as the caller's own: a client that compares a resource's owner with its own project (Horizon
 * offers Edit and Delete only on a volume, server or network whose owner is the user's project, by
 * its policy files) treats what it holds at the SP as its own.
 */
const OWNERS: Readonly<Record<string, readonly JsonPlace[]>> = {
  'block-storage': [{ key: 'os-vol-tenant-attr:tenant_id' }, { key: 'os-extended-snapshot-attributes:project_id' }, { key: 'project_id' }],
  compute: [{ key: 'tenant_id' }, { key: 'project_id' }],
  image: [{ key: 'owner' }],
  network: [{ key: 'tenant_id' }, { key: 'project_id' }],
};

/** Every request's project ids: those `slotsOf` finds, and the owners in the answer (the caller's own project only, unless the request names others). */
function projectSlotsOf(api: string, request: ApiRequest): ProjectSlots | undefined {
  const owners = OWNERS[api] ?? NO_PLACES;
  const slots = slotsOf(api, request);
  if (slots) return { ...slots, answer: [...slots.answer, ...owners] };
  return owners.length > 0 ? { answer: owners, ownOnly: true } : undefined;
}

/**
 * Each API's requests that name other projects by id:
 * - Glance's image members: `POST /v2/images/{id}/members {"member": ...}`,
 *   `/v2/images/{id}/members/{member}`, `member_id` in the answers;
 * - Cinder's quotas of a project (`/os-quota-sets/{project}[/defaults]`, `quota_set.id`), a private
 *   volume type's access (`POST /types/{id}/action` with `addProjectAccess` or
 *   `removeProjectAccess: {"project": ...}`; `GET /types/{id}/os-volume-type-access`, each item's
 *   `project_id`), and an admin's list of one project's resources (`?project_id=`);
 * - Glance's image list by owner (`?owner=`);
 * - Nova's usage and quotas of a project (`/os-simple-tenant-usage/{project}`, `/os-quota-sets/{project}`)
 *   and its server lists' `project_id` / `tenant_id`;
 * - Neutron's quotas of a project (`/quotas/{project}`) and its lists' `project_id` / `tenant_id`.
 */
function slotsOf(api: string, request: ApiRequest): ProjectSlots | undefined {
  const { resourceType, action, method } = request;
  if (api === 'image' && resourceType === 'images') {
    if (action === 'members') return { ...(method === 'POST' && { body: [{ key: 'member' }] }), answer: MEMBER };
    // '/images/<id>/members/<member>' -> ['', 'images', '<id>', 'members', '<member>']
    if (action?.startsWith('members/') && !action.slice('members/'.length).includes('/')) return { pathIndex: 4, answer: MEMBER };
    // the owner filter names a project as the answers do (OWNERS): by the caller's id
    return listFilter(request, ['owner']);
  }
  if (api === 'compute') {
    // '/os-simple-tenant-usage/<project>', '/os-quota-sets/<project>[/defaults|/detail]' -> ['', '<collection>', '<project>', ...]
    if (resourceType === 'os-simple-tenant-usage' && request.resourceId !== undefined) return { pathIndex: 2, answer: NO_PLACES };
    if (resourceType === 'os-quota-sets' && request.resourceId !== undefined) return { pathIndex: 2, answer: [{ key: 'id', parent: 'quota_set' }] };
    return listFilter(request, ['project_id', 'tenant_id']);
  }
  if (api === 'network') {
    // '/quotas/<project>[/default|/details]' -> ['', 'quotas', '<project>', ...]
    if (resourceType === 'quotas' && request.resourceId !== undefined) return { pathIndex: 2, answer: NO_PLACES };
    return listFilter(request, ['project_id', 'tenant_id']);
  }
  if (api !== 'block-storage') return undefined;
  // '/os-quota-sets/<project>[/defaults]' -> ['', 'os-quota-sets', '<project>', ...]
  if (resourceType === 'os-quota-sets' && request.resourceId !== undefined) return { pathIndex: 2, answer: [{ key: 'id', parent: 'quota_set' }] };
  if (resourceType === 'types' && action === 'action' && method === 'POST') {
    return { body: [{ key: 'project', parent: 'addProjectAccess' }, { key: 'project', parent: 'removeProjectAccess' }], answer: NO_PLACES };
  }
  if (resourceType === 'types' && action === 'os-volume-type-access') return { answer: [{ key: 'project_id', parent: 'volume_type_access' }] };
  return listFilter(request, ['project_id']);
}

/** A list (a GET of a collection) filtered by one of these query parameters: their values are project ids. */
function listFilter(request: ApiRequest, names: readonly string[]): ProjectSlots | undefined {
  if (request.method !== 'GET' || request.resourceId !== undefined) return undefined;
  const params = new URLSearchParams(request.query);
  return names.some((name) => params.has(name)) ? { query: names, answer: NO_PLACES } : undefined;
}

/** How an answer's project ids go back: where they are, and each SP id's local one. */
export interface ProjectIdAnswer {
  places: readonly JsonPlace[];
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
    const slots = projectSlotsOf(this.api, call.request);
    if (!slots) return undefined;
    const pairs = new Map<string, string>();
    const own = call.identity?.project?.id;
    if (own && destination.session.projectId) pairs.set(own, destination.session.projectId);
    for (const project of slots.ownOnly ? [] : await this.reachable(call, destination)) {
      const link = project.tags.find((tag) => tag.startsWith(`${this.linkTag}:`));
      if (link) pairs.set(link.slice(this.linkTag.length + 1), project.id);
    }
    const locals = new Map([...pairs].map(([local, remote]) => [remote, local]));
    const remote = (id: string) => {
      const mapped = pairs.get(id);
      return mapped === undefined ? undefined : pathSegment(mapped, "The service provider's project id", 502);
    };
    let request = slots.pathIndex === undefined ? call.request : withSegment(call.request, slots.pathIndex, remote);
    if (slots.query) request = withQuery(request, slots.query, remote);
    return {
      request,
      ...(slots.body && { body: await this.translatedBody(call, slots.body, remote) }),
      answer: { places: slots.answer, local: (id) => locals.get(id) },
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

  private async translatedBody(call: Call, places: readonly JsonPlace[], remote: (id: string) => string | undefined): Promise<string | undefined> {
    const body = await readJsonBody(call.req, this.bodyLimitBytes);
    const translated = replaceProjectIds(body, places, remote);
    return translated === body ? undefined : JSON.stringify(translated);
  }
}

function withSegment(request: ApiRequest, index: number, remote: (id: string) => string | undefined): ApiRequest {
  const segments = request.rest.split('/');
  const mapped = segments[index] && remote(segments[index]);
  if (!mapped) return request;
  segments[index] = mapped;
  return { ...request, rest: segments.join('/') };
}

function withQuery(request: ApiRequest, names: readonly string[], remote: (id: string) => string | undefined): ApiRequest {
  const params = new URLSearchParams(request.query);
  let changed = false;
  for (const name of names) {
    const value = params.get(name);
    const mapped = value === null ? undefined : remote(value);
    if (mapped === undefined) continue;
    params.set(name, mapped);
    changed = true;
  }
  return changed ? { ...request, query: `?${params.toString()}` } : request;
}
