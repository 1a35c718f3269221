import type { ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { sendJson, type SimRequest } from '../sim-server.js';
import { FakeService, type ReceivedRequest } from './fake-service.js';
import type { TokenChecker } from './token-checker.js';
import { pageOf, parseListQuery } from './listing.js';

/** A volume as the fake Cinder keeps it. */
export interface Volume {
  id: string;
  name: string | null;
  description: string | null;
  size: number;
  status: string;
  projectId: string;
  createdAt: string;
  updatedAt: string | null;
  metadata: Record<string, string>;
}

const SORTABLE = ['id', 'name', 'size', 'status', 'created_at', 'updated_at'];
const BASE = '^/v3/(?<project>[0-9a-f]{32})';

/**
 * A fake Cinder v3 (`/v3/{project_id}/volumes...`) with Cinder's JSON shapes and error bodies:
 * list (summary and detail, paging and sorting, `volumes_links`), create (202), show, update,
 * delete (202) and actions (202, logged).
 */
export class VolumeService extends FakeService {
  readonly volumes = new Map<string, Volume>();

  private constructor(tokens: TokenChecker) {
    super(tokens, [
      { method: 'GET', pattern: new RegExp(`${BASE}/volumes(?<detail>/detail)?$`), name: 'volumes.list', handle: (r) => this.list(r) },
      { method: 'POST', pattern: new RegExp(`${BASE}/volumes$`), name: 'volumes.create', handle: (r, x) => this.create(r, x) },
      { method: 'GET', pattern: new RegExp(`${BASE}/volumes/(?<id>[^/]+)$`), name: 'volumes.show', handle: (r) => this.show(r) },
      { method: 'PUT', pattern: new RegExp(`${BASE}/volumes/(?<id>[^/]+)$`), name: 'volumes.update', handle: (r, x) => this.update(r, x) },
      { method: 'DELETE', pattern: new RegExp(`${BASE}/volumes/(?<id>[^/]+)$`), name: 'volumes.delete', handle: (r) => this.remove(r) },
      { method: 'POST', pattern: new RegExp(`${BASE}/volumes/(?<id>[^/]+)/action$`), name: 'volumes.action', handle: (r, x) => this.action(r, x) },
    ]);
  }

  /** Starts on free ports, or on `ports`; tokens are checked by `tokens` (a SimulatedKeystone, or realKeystoneChecker()). */
  static async start(tokens: TokenChecker, ports?: { public: number; internal: number }): Promise<VolumeService> {
    const service = new VolumeService(tokens);
    await service.listen(ports);
    return service;
  }

  /** Creates a volume directly, for a test's setup. */
  seed(projectId: string, fields: Partial<Omit<Volume, 'projectId'>> = {}): Volume {
    const volume: Volume = {
      id: randomUUID(),
      name: null,
      description: null,
      size: 1,
      status: 'available',
      createdAt: new Date().toISOString().replace(/Z$/, '000'),
      updatedAt: null,
      metadata: {},
      ...fields,
      projectId,
    };
    this.volumes.set(volume.id, volume);
    return volume;
  }

  protected sendError(res: ServerResponse, status: number, message: string): void {
    const key = { 400: 'badRequest', 403: 'forbidden', 404: 'itemNotFound', 413: 'overLimit' }[status] ?? 'computeFault';
    sendJson(res, status, { [key]: { code: status, message } });
  }

  private owned(request: SimRequest): Volume | undefined {
    const volume = this.volumes.get(request.params.id);
    if (volume && volume.projectId === request.params.project) return volume;
    this.sendError(request.res, 404, `Volume ${request.params.id} could not be found.`);
    return undefined;
  }

  private async list(request: SimRequest): Promise<void> {
    if (!(await this.authorize(request, request.params.project))) return;
    const parsed = parseListQuery(request.query, SORTABLE);
    if (!parsed.ok) return this.sendError(request.res, 400, parsed.message);
    const mine = [...this.volumes.values()].filter((v) => v.projectId === request.params.project).map((v) => ({ ...v, created_at: v.createdAt, updated_at: v.updatedAt }));
    const page = pageOf(mine, parsed.query);
    if (!page.ok) return this.sendError(request.res, 400, page.message);
    const detail = request.params.detail !== undefined;
    const base = `${this.publicUrl}/v3/${request.params.project}/volumes${detail ? '/detail' : ''}`;
    const body: Record<string, unknown> = { volumes: page.items.map((v) => (detail ? this.render(v) : this.summary(v))) };
    if (page.more) {
      const next = new URLSearchParams(request.query);
      next.set('marker', page.items[page.items.length - 1].id);
      body.volumes_links = [{ href: `${base}?${next}`, rel: 'next' }];
    }
    sendJson(request.res, 200, body);
  }

  private async create(request: SimRequest, received: ReceivedRequest): Promise<void> {
    if (!(await this.authorize(request, request.params.project))) return;
    const body = (await this.readJson(request, received)) as { volume?: { name?: string; description?: string; size?: unknown; metadata?: Record<string, string> } } | undefined;
    const size = body?.volume?.size;
    if (!body?.volume || typeof size !== 'number' || !Number.isInteger(size) || size < 1) {
      return this.sendError(request.res, 400, "Invalid input for field/attribute size. Value: None. None is not of type 'integer', 'string'");
    }
    const volume = this.seed(request.params.project, { name: body.volume.name ?? null, description: body.volume.description ?? null, size, metadata: body.volume.metadata ?? {} });
    sendJson(request.res, 202, { volume: { ...this.render(volume), status: 'creating' } });
  }

  private async show(request: SimRequest): Promise<void> {
    if (!(await this.authorize(request, request.params.project))) return;
    const volume = this.owned(request);
    if (volume) sendJson(request.res, 200, { volume: this.render(volume) });
  }

  private async update(request: SimRequest, received: ReceivedRequest): Promise<void> {
    if (!(await this.authorize(request, request.params.project))) return;
    const volume = this.owned(request);
    if (!volume) return;
    const body = (await this.readJson(request, received)) as { volume?: { name?: string; description?: string } } | undefined;
    if (!body?.volume) return this.sendError(request.res, 400, 'Missing required element volume in request body.');
    if (body.volume.name !== undefined) volume.name = body.volume.name;
    if (body.volume.description !== undefined) volume.description = body.volume.description;
    volume.updatedAt = new Date().toISOString().replace(/Z$/, '000');
    sendJson(request.res, 200, { volume: this.render(volume) });
  }

  private async remove(request: SimRequest): Promise<void> {
    if (!(await this.authorize(request, request.params.project))) return;
    const volume = this.owned(request);
    if (!volume) return;
    this.volumes.delete(volume.id);
    request.res.writeHead(202, { 'content-length': '0' }).end();
  }

  private async action(request: SimRequest, received: ReceivedRequest): Promise<void> {
    if (!(await this.authorize(request, request.params.project))) return;
    const volume = this.owned(request);
    if (!volume) return;
    const body = (await this.readJson(request, received)) as Record<string, { new_size?: number }> | undefined;
    if (!body || Object.keys(body).length !== 1) return this.sendError(request.res, 400, 'There is no such action: None');
    if (body['os-extend']?.new_size) volume.size = body['os-extend'].new_size;
    request.res.writeHead(202, { 'content-length': '0' }).end();
  }

  private summary(volume: Volume): unknown {
    return { id: volume.id, name: volume.name, links: this.links(volume) };
  }

  private render(volume: Volume): Record<string, unknown> {
    return {
      id: volume.id,
      name: volume.name,
      description: volume.description,
      size: volume.size,
      status: volume.status,
      created_at: volume.createdAt,
      updated_at: volume.updatedAt,
      availability_zone: 'nova',
      bootable: 'false',
      encrypted: false,
      multiattach: false,
      attachments: [],
      metadata: volume.metadata,
      volume_type: '__DEFAULT__',
      snapshot_id: null,
      source_volid: null,
      user_id: null,
      'os-vol-tenant-attr:tenant_id': volume.projectId,
      links: this.links(volume),
    };
  }

  private links(volume: Volume): unknown[] {
    return [
      { href: `${this.publicUrl}/v3/${volume.projectId}/volumes/${volume.id}`, rel: 'self' },
      { href: `${this.publicUrl}/${volume.projectId}/volumes/${volume.id}`, rel: 'bookmark' },
    ];
  }
}
