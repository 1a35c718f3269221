import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { SimulatedKeystone } from '../keystone/simulated-keystone.js';
import { sendJson, type SimRequest } from '../sim-server.js';
import { FakeService, type ReceivedRequest, type ServiceRoute } from './fake-service.js';
import { neutronPage } from './neutron-listing.js';
import { NEUTRON_RESOURCES, NeutronFault, type NeutronRecord, type NeutronResource } from './neutron-resources.js';
import type { CheckedToken, TokenChecker } from './token-checker.js';

/** Neutron's extensions this fake has, as `/v2.0/extensions` lists them. */
const EXTENSIONS = ['external-net', 'pagination', 'project-id', 'router', 'security-group', 'sorting', 'standard-attr-description', 'standard-attr-revisions', 'standard-attr-tag', 'standard-attr-timestamp'];
/** Standard attributes every create takes (beside the resource's own) */
const STANDARD_POSTABLE = ['name', 'description', 'tenant_id', 'project_id'];
/** `<collection>` or `<collection>/<id>`, with the `.json` suffix Neutron's router takes (pecan guesses the format from it) */
const ID = '(?<id>[^/]+?)(?:\\.json)?';

/**
 * A fake Neutron (`/v2.0/...`, its endpoint unversioned as Neutron's is) with Neutron's JSON shapes
 * and `{"NeutronError": {"type", "message", "detail"}}` errors: networks, subnets, ports, routers,
 * security groups and floating IPs, each with create (201; bulk too), list, show, update (PUT) and delete
 * (204); lists with Neutron's filters, `fields`, sorting, paging and `<plural>_links`
 * (neutron-listing.ts). A project sees its own resources and the networks that are shared or
 * external; it gets its `default` security group on its first call, as Neutron gives it.
 * Version discovery: `/` (versions, no token needed) and `/v2.0/` (its resources; `/v2.0` is 404,
 * as pecan answers it). Links are built from the request's Host. No policy beyond ownership: any
 * project may create an external network (real Neutron wants admin).
 */
export class NetworkService extends FakeService {
  /** Every resource, by collection ('networks', 'security-groups'...) and id */
  readonly resources = new Map<string, Map<string, NeutronRecord>>(NEUTRON_RESOURCES.map((resource) => [resource.collection, new Map()]));

  private constructor(tokens: TokenChecker) {
    super(tokens, [
      { method: 'GET', pattern: /^\/$/, name: 'versions', handle: (r) => this.versions(r) },
      { method: 'GET', pattern: /^\/v2\.0\/$/, name: 'resources', handle: (r) => this.withToken(r, () => this.index(r)) },
      { method: 'GET', pattern: /^\/v2\.0\/extensions(?:\.json)?$/, name: 'extensions', handle: (r) => this.withToken(r, () => this.extensions(r)) },
      // `this` only once the routes run: the routes are made before super() returns.
      ...NEUTRON_RESOURCES.flatMap((resource) => routes(resource, () => this)),
    ]);
  }

  /** Starts on free ports; tokens are checked by `tokens` (a SimulatedKeystone, or realKeystoneChecker()). */
  static async start(tokens: TokenChecker): Promise<NetworkService> {
    const service = new NetworkService(tokens);
    await service.listen();
    return service;
  }

  /** Starts one for a simulated cloud and lists it in that cloud's catalog (type network, Neutron's unversioned endpoints) in `region`. */
  static async startIn(keystone: SimulatedKeystone, region: string): Promise<NetworkService> {
    const service = await NetworkService.start(keystone);
    keystone.catalog.addService('network', 'neutron', [
      { interface: 'public', regionId: region, url: service.publicUrl },
      { interface: 'internal', regionId: region, url: service.internalUrl },
    ]);
    return service;
  }

  /** The resources of one collection ('networks', 'security-groups'...). */
  collection(name: string): Map<string, NeutronRecord> {
    const found = this.resources.get(name);
    if (!found) throw new Error(`no collection ${name}`);
    return found;
  }

  /** Creates a resource directly, for a test's setup, as a create by `projectId` would (`fields` as a create's body). */
  seed(collection: string, projectId: string, fields: Record<string, unknown> = {}): NeutronRecord {
    const resource = NEUTRON_RESOURCES.find((r) => r.collection === collection);
    if (!resource) throw new Error(`no collection ${collection}`);
    return this.store(resource, projectId, fields);
  }

  protected sendError(res: ServerResponse, status: number, message: string): void {
    const type = { 400: 'HTTPBadRequest', 403: 'HTTPForbidden', 404: 'HTTPNotFound', 409: 'HTTPConflict' }[status] ?? 'HTTPInternalServerError';
    sendJson(res, status, { NeutronError: { type, message, detail: '' } });
  }

  /** Runs `handle` for a valid token, answering a NeutronFault it throws in Neutron's shape. */
  async withToken(request: SimRequest, handle: (token: CheckedToken & { projectId: string }) => void | Promise<void>): Promise<void> {
    const token = await this.authorize(request);
    if (!token) return;
    const projectId = token.projectId ?? '';
    this.defaultSecurityGroup(projectId);
    try {
      await handle({ ...token, projectId });
    } catch (error) {
      if (!(error instanceof NeutronFault)) throw error;
      sendJson(request.res, error.status, { NeutronError: { type: error.type, message: error.message, detail: '' } });
    }
  }

  list(request: SimRequest, resource: NeutronResource, projectId: string): void {
    const visible = [...this.collection(resource.collection).values()].filter((item) => this.visible(resource, item, projectId));
    const page = neutronPage(visible, resource, request.query, `${this.baseUrl(request)}${request.path}`);
    const body: Record<string, unknown> = { [resource.plural]: page.items };
    if (page.links.length > 0) body[`${resource.plural}_links`] = page.links;
    sendJson(request.res, 200, body);
  }

  show(request: SimRequest, resource: NeutronResource, projectId: string): void {
    const item = this.find(resource, request.params.id, projectId);
    const fields = request.query.getAll('fields').filter(Boolean);
    const shown = fields.length === 0 ? item : Object.fromEntries(fields.filter((field) => field in item).map((field) => [field, item[field]]));
    sendJson(request.res, 200, { [resource.singular]: shown });
  }

  /** One, or Neutron's bulk create: `{"<plural>": [{...}, ...]}` answered as a list, all checked before any is made. */
  async create(request: SimRequest, received: ReceivedRequest, resource: NeutronResource, projectId: string): Promise<void> {
    const body = await this.readJson(request, received);
    const bulk = typeof body === 'object' && body !== null && (body as Record<string, unknown>)[resource.plural];
    if (Array.isArray(bulk)) {
      if (bulk.length === 0) throw new NeutronFault(400, 'HTTPBadRequest', 'Resources required');
      const all = bulk.map((item: unknown) => checkedBody(resource, { [resource.singular]: item }, 'POST'));
      return sendJson(request.res, 201, { [resource.plural]: all.map((attrs) => this.store(resource, projectId, attrs)) });
    }
    sendJson(request.res, 201, { [resource.singular]: this.store(resource, projectId, checkedBody(resource, body, 'POST')) });
  }

  async update(request: SimRequest, received: ReceivedRequest, resource: NeutronResource, projectId: string): Promise<void> {
    const item = this.find(resource, request.params.id, projectId);
    const attrs = checkedBody(resource, await this.readJson(request, received), 'PUT');
    Object.assign(item, attrs, { updated_at: now(), revision_number: (item.revision_number as number) + 1 });
    sendJson(request.res, 200, { [resource.singular]: item });
  }

  delete(request: SimRequest, resource: NeutronResource, projectId: string): void {
    const item = this.find(resource, request.params.id, projectId);
    if (item.project_id !== projectId) throw resource.notFound(item.id); // a shared network is seen, not owned
    const ports = [...this.collection('ports').values()];
    if (resource.collection === 'networks' && ports.some((port) => port.network_id === item.id))
      throw new NeutronFault(409, 'NetworkInUse', `Unable to complete operation on network ${item.id}. There are one or more ports still in use on the network.`);
    if (resource.collection === 'security-groups' && item.name === 'default') throw new NeutronFault(409, 'SecurityGroupCannotRemoveDefault', 'Insufficient rights for removing default security group.');
    if (resource.collection === 'networks') for (const subnet of item.subnets as string[]) this.collection('subnets').delete(subnet);
    if (resource.collection === 'subnets') {
      const network = this.collection('networks').get(String(item.network_id));
      if (network) network.subnets = (network.subnets as string[]).filter((id) => id !== item.id);
    }
    this.collection(resource.collection).delete(item.id);
    request.res.writeHead(204).end();
  }

  private store(resource: NeutronResource, projectId: string, attrs: Record<string, unknown>): NeutronRecord {
    const owner = String(attrs.project_id ?? attrs.tenant_id ?? projectId);
    const own = resource.create({ projectId: owner, body: attrs, find: (collection, id) => this.findVisible(collection, id, owner) });
    const stamp = now();
    const item: NeutronRecord = {
      id: randomUUID(),
      name: attrs.name ?? '',
      description: attrs.description ?? '',
      ...own,
      tenant_id: owner,
      project_id: owner,
      tags: [],
      created_at: stamp,
      updated_at: stamp,
      revision_number: 0,
    };
    this.collection(resource.collection).set(item.id, item);
    if (resource.collection === 'subnets') {
      const network = this.collection('networks').get(String(item.network_id)) as NeutronRecord;
      network.subnets = [...(network.subnets as string[]), item.id];
    }
    return item;
  }

  private find(resource: NeutronResource, id: string, projectId: string): NeutronRecord {
    const item = this.findVisible(resource.collection, id, projectId);
    if (!item) throw resource.notFound(id);
    return item;
  }

  private findVisible(collection: string, id: string, projectId: string): NeutronRecord | undefined {
    const resource = NEUTRON_RESOURCES.find((r) => r.collection === collection) as NeutronResource;
    const item = this.collection(collection).get(id);
    return item && this.visible(resource, item, projectId) ? item : undefined;
  }

  private visible(resource: NeutronResource, item: NeutronRecord, projectId: string): boolean {
    return item.project_id === projectId || (resource.collection === 'networks' && (item.shared === true || item['router:external'] === true));
  }

  /** Neutron makes a project's `default` security group the first time the project calls it. */
  private defaultSecurityGroup(projectId: string): void {
    const groups = this.collection('security-groups');
    if ([...groups.values()].some((group) => group.project_id === projectId && group.name === 'default')) return;
    this.seed('security-groups', projectId, { name: 'default', description: 'Default security group' });
  }

  private versions(request: SimRequest): void {
    sendJson(request.res, 200, { versions: [{ id: 'v2.0', status: 'CURRENT', links: [{ rel: 'self', href: `${this.baseUrl(request)}/v2.0/` }] }] });
  }

  private index(request: SimRequest): void {
    const core = [
      ['network', 'networks'],
      ['subnet', 'subnets'],
      ['subnetpool', 'subnetpools'],
      ['port', 'ports'],
    ];
    const resources = core.map(([name, collection]) => ({ name, collection, links: [{ rel: 'self', href: `${this.baseUrl(request)}/v2.0/${collection}` }] }));
    sendJson(request.res, 200, { resources });
  }

  private extensions(request: SimRequest): void {
    const extensions = EXTENSIONS.map((alias) => ({ alias, name: alias, description: `The ${alias} extension.`, updated: '2016-01-01T10:00:00-00:00', links: [] }));
    sendJson(request.res, 200, { extensions });
  }
}

/** A resource's routes: list and create at the collection, show, update and delete at an id; named '<collection>.<action>'. */
function routes(resource: NeutronResource, service: () => NetworkService): ServiceRoute[] {
  const collection = new RegExp(`^/v2\\.0/${resource.collection}(?:\\.json)?$`);
  const one = new RegExp(`^/v2\\.0/${resource.collection}/${ID}$`);
  const route = (method: string, pattern: RegExp, action: string, handle: (r: SimRequest, received: ReceivedRequest, projectId: string) => void | Promise<void>): ServiceRoute => ({
    method,
    pattern,
    name: `${resource.collection}.${action}`,
    handle: (request, received) => service().withToken(request, ({ projectId }) => handle(request, received, projectId)),
  });
  return [
    route('GET', collection, 'list', (r, _, projectId) => service().list(r, resource, projectId)),
    route('POST', collection, 'create', (r, received, projectId) => service().create(r, received, resource, projectId)),
    route('GET', one, 'show', (r, _, projectId) => service().show(r, resource, projectId)),
    route('PUT', one, 'update', (r, received, projectId) => service().update(r, received, resource, projectId)),
    route('DELETE', one, 'delete', (r, _, projectId) => service().delete(r, resource, projectId)),
  ];
}

/** A create's or update's `{"<singular>": {...}}` body, its attributes checked as Neutron's body validation does. */
function checkedBody(resource: NeutronResource, body: unknown, method: 'POST' | 'PUT'): Record<string, unknown> {
  const allowed = method === 'POST' ? [...STANDARD_POSTABLE, ...resource.postable] : resource.updatable;
  if (typeof body !== 'object' || body === null || Array.isArray(body) || Object.keys(body).length === 0) throw new NeutronFault(400, 'HTTPBadRequest', 'Resource body required');
  const attrs = (body as Record<string, unknown>)[resource.singular];
  if (attrs === undefined) throw new NeutronFault(400, 'HTTPBadRequest', `Unable to find '${resource.singular}' in request body`);
  if (typeof attrs !== 'object' || attrs === null || Array.isArray(attrs)) throw new NeutronFault(400, 'HTTPBadRequest', `Object '${resource.singular}' contains invalid data`);
  const given = attrs as Record<string, unknown>;
  const known = new Set([...STANDARD_POSTABLE, ...resource.postable, ...resource.updatable, 'id', 'status', 'created_at', 'updated_at', 'revision_number', 'tags']);
  const unknown = Object.keys(given).filter((key) => !known.has(key));
  if (unknown.length > 0) throw new NeutronFault(400, 'HTTPBadRequest', `Unrecognized attribute(s) '${unknown.join(', ')}'`);
  const readOnly = Object.keys(given).find((key) => !allowed.includes(key));
  if (readOnly !== undefined) throw new NeutronFault(400, 'HTTPBadRequest', method === 'POST' ? `Attribute '${readOnly}' not allowed in POST` : `Cannot update read-only attribute ${readOnly}`);
  if (given.name !== undefined && typeof given.name !== 'string') throw new NeutronFault(400, 'HTTPBadRequest', `Invalid input for name. Reason: '${String(given.name)}' is not a valid string.`);
  if (given.admin_state_up !== undefined && typeof given.admin_state_up !== 'boolean') throw new NeutronFault(400, 'HTTPBadRequest', `Invalid input for admin_state_up. Reason: '${String(given.admin_state_up)}' cannot be converted to boolean.`);
  return given;
}

/** Neutron's timestamps: to the second, with a Z. */
function now(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}
