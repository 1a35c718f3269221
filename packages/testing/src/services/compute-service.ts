import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { SimulatedKeystone } from '../keystone/simulated-keystone.js';
import { sendJson, type SimRequest } from '../sim-server.js';
import { FakeService } from './fake-service.js';
import { pageOf, parseListQuery } from './listing.js';
import { serveMicroversion } from './nova-microversion.js';
import type { TokenChecker } from './token-checker.js';

/** A server as the fake Nova keeps it. */
export interface Server {
  id: string;
  name: string;
  status: string;
  projectId: string;
  /** Nova's `created` (to the second, `Z`), which its `created_at` sort key orders by */
  created: string;
  updated: string;
}

/** Nova's sort keys (its database columns) for the fields kept here; anything else is refused (400), as from microversion 2.75. */
const SORTABLE = ['created_at', 'updated_at', 'display_name', 'uuid'];
/** Nova's path, with the project id optional (microversion 2.18) */
const BASE = '^/v2\\.1(?:/(?<project>[0-9a-f]{32}))?/servers';

/**
 * A fake Nova (`/v2.1[/{project_id}]/servers...`), only as far as listing goes: the summary list
 * (id, name, links) and the detail list with Nova's paging (`limit`, `marker`, `servers_links`),
 * its sort keys (`sort_key`/`sort_dir`: `created_at`, `display_name`, `uuid`..., never `id`) and
 * `name` (a regular expression) and `status` filters; and show. Servers show `created`/`updated`,
 * not the `created_at` they sort by. Every answer names the microversion served, as Nova's do
 * (nova-microversion.ts). Not started by startFederation: `startIn` adds one to a cloud.
 */
export class ComputeService extends FakeService {
  readonly servers = new Map<string, Server>();

  private constructor(tokens: TokenChecker) {
    super(tokens, [
      { method: 'GET', pattern: new RegExp(`${BASE}(?<detail>/detail)?$`), name: 'servers.list', handle: (r) => this.list(r) },
      { method: 'GET', pattern: new RegExp(`${BASE}/(?<id>[^/]+)$`), name: 'servers.show', handle: (r) => this.show(r) },
    ]);
  }

  /** Starts on free ports; tokens are checked by `tokens` (a SimulatedKeystone, or realKeystoneChecker()). */
  static async start(tokens: TokenChecker): Promise<ComputeService> {
    const service = new ComputeService(tokens);
    await service.listen();
    return service;
  }

  /** Starts one for a simulated cloud and lists it in that cloud's catalog (type compute, Nova's `/v2.1` endpoints) in `region`. */
  static async startIn(keystone: SimulatedKeystone, region: string): Promise<ComputeService> {
    const service = await ComputeService.start(keystone);
    keystone.catalog.addService('compute', 'nova', [
      { interface: 'public', regionId: region, url: `${service.publicUrl}/v2.1` },
      { interface: 'internal', regionId: region, url: `${service.internalUrl}/v2.1` },
    ]);
    return service;
  }

  /** Creates a server directly, for a test's setup. */
  seed(projectId: string, fields: Partial<Omit<Server, 'projectId'>> = {}): Server {
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const server: Server = { id: randomUUID(), name: 'server', status: 'ACTIVE', created: now, updated: now, ...fields, projectId };
    this.servers.set(server.id, server);
    return server;
  }

  protected sendError(res: ServerResponse, status: number, message: string): void {
    const key = { 400: 'badRequest', 403: 'forbidden', 404: 'itemNotFound' }[status] ?? 'computeFault';
    sendJson(res, status, { [key]: { code: status, message } });
  }

  private async list(request: SimRequest): Promise<void> {
    const token = await this.authorize(request, request.params.project);
    if (!token || !serveMicroversion(request, (status, message) => this.sendError(request.res, status, message))) return;
    const parsed = parseListQuery(request.query, SORTABLE);
    if (!parsed.ok) return this.sendError(request.res, 400, parsed.message);
    const name = request.query.get('name');
    const status = request.query.get('status')?.toUpperCase();
    const mine = [...this.servers.values()]
      .filter((server) => server.projectId === token.projectId && (name === null || new RegExp(name).test(server.name)) && (status === undefined || server.status === status))
      .map((server) => ({ ...server, created_at: server.created, updated_at: server.updated, display_name: server.name, uuid: server.id }));
    const page = pageOf(mine, parsed.query);
    if (!page.ok) return this.sendError(request.res, 400, page.message);
    const detail = request.params.detail !== undefined;
    const body: Record<string, unknown> = { servers: page.items.map((server) => (detail ? this.render(server, request) : { id: server.id, name: server.name, links: this.links(server, request) })) };
    if (page.more) {
      const next = new URLSearchParams(request.query);
      next.set('marker', page.items[page.items.length - 1].id);
      body.servers_links = [{ rel: 'next', href: `${this.versionUrl(request)}/servers${detail ? '/detail' : ''}?${next}` }];
    }
    sendJson(request.res, 200, body);
  }

  private async show(request: SimRequest): Promise<void> {
    const token = await this.authorize(request, request.params.project);
    if (!token || !serveMicroversion(request, (status, message) => this.sendError(request.res, status, message))) return;
    const server = this.servers.get(request.params.id);
    if (!server || server.projectId !== token.projectId) return this.sendError(request.res, 404, `Instance ${request.params.id} could not be found.`);
    sendJson(request.res, 200, { server: this.render(server, request) });
  }

  private render(server: Server, request: SimRequest): Record<string, unknown> {
    const { id, name, status, projectId, created, updated } = server;
    return { id, name, status, tenant_id: projectId, created, updated, metadata: {}, links: this.links(server, request) };
  }

  /** Nova's self and bookmark links, with the project id in the path when the request had it. */
  private links(server: Server, request: SimRequest): { rel: string; href: string }[] {
    const project = request.params.project ? `/${request.params.project}` : '';
    return [
      { rel: 'self', href: `${this.versionUrl(request)}/servers/${server.id}` },
      { rel: 'bookmark', href: `${this.baseUrl(request)}${project}/servers/${server.id}` },
    ];
  }

  private versionUrl(request: SimRequest): string {
    return `${this.baseUrl(request)}/v2.1${request.params.project ? `/${request.params.project}` : ''}`;
  }
}
