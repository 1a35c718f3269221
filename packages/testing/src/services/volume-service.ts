import type { ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { sendJson, type SimRequest } from '../sim-server.js';
import { echoMicroversion, MAX_VERSION, MIN_VERSION } from './cinder-microversion.js';
import { FakeService, type ReceivedRequest, type ServiceRoute } from './fake-service.js';
import type { TokenChecker } from './token-checker.js';
import { pageOf, parseListQuery } from './listing.js';

/** A project's volume quotas, as Cinder's quota set names them; -1: unlimited. */
export interface VolumeQuota {
  volumes: number;
  gigabytes: number;
}

/** Cinder's default quotas (cinder.conf quota_volumes, quota_gigabytes). */
const DEFAULT_QUOTA: VolumeQuota = { volumes: 10, gigabytes: 1000 };

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

const SORTABLE = ['id', 'name', 'size', 'status', 'created_at', 'updated_at', 'display_name', 'display_description'];
/** Cinder's sort keys that are its database columns, ordering by what a volume shows under another name */
const SORT_COLUMNS: Readonly<Record<string, string>> = { display_name: 'name', display_description: 'description' };
const BASE = '^/v3/(?<project>[0-9a-f]{32})';

/** A route of the v3 API: its answers carry the microversion served, as Cinder's do. */
function v3(route: ServiceRoute): ServiceRoute {
  return {
    ...route,
    handle: (request, received) => {
      echoMicroversion(request);
      return route.handle(request, received);
    },
  };
}

/**
 * A fake Cinder v3 (`/v3/{project_id}/volumes...`) with Cinder's JSON shapes and error bodies:
 * list (summary and detail, paging and sorting, `volumes_links`), create (202), show, update,
 * delete (202) and actions (202, logged); absolute limits (`/limits`) from per-project quotas
 * (`setQuota`), which a create beyond them is refused with (413), as Cinder does. Version discovery as Cinder does it: its version
 * document at `/` (300, no token needed) and at `/v3/` (200, token needed: it is behind
 * keystonemiddleware), and `/v3` redirected (302) to `/v3/`. Absolute links are built from the
 * request's Host, as Cinder builds them from the WSGI request.
 */
export class VolumeService extends FakeService {
  readonly volumes = new Map<string, Volume>();
  private readonly quotas = new Map<string, VolumeQuota>();

  private constructor(tokens: TokenChecker) {
    super(tokens, [
      { method: 'GET', pattern: /^\/$/, name: 'versions', handle: (r) => sendJson(r.res, 300, this.versionDocument(r)) },
      { method: 'GET', pattern: /^\/v3\/$/, name: 'version', handle: (r) => this.version(r) },
      { method: 'GET', pattern: /^\/v3$/, name: 'version.redirect', handle: (r) => this.redirectToVersion(r) },
      v3({ method: 'GET', pattern: new RegExp(`${BASE}/limits$`), name: 'limits', handle: (r) => this.limits(r) }),
      v3({ method: 'GET', pattern: new RegExp(`${BASE}/volumes(?<detail>/detail)?$`), name: 'volumes.list', handle: (r) => this.list(r) }),
      v3({ method: 'POST', pattern: new RegExp(`${BASE}/volumes$`), name: 'volumes.create', handle: (r, x) => this.create(r, x) }),
      v3({ method: 'GET', pattern: new RegExp(`${BASE}/volumes/(?<id>[^/]+)$`), name: 'volumes.show', handle: (r) => this.show(r) }),
      v3({ method: 'PUT', pattern: new RegExp(`${BASE}/volumes/(?<id>[^/]+)$`), name: 'volumes.update', handle: (r, x) => this.update(r, x) }),
      v3({ method: 'DELETE', pattern: new RegExp(`${BASE}/volumes/(?<id>[^/]+)$`), name: 'volumes.delete', handle: (r) => this.remove(r) }),
      v3({ method: 'POST', pattern: new RegExp(`${BASE}/volumes/(?<id>[^/]+)/action$`), name: 'volumes.action', handle: (r, x) => this.action(r, x) }),
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

  /** Sets a project's quotas (the rest stay Cinder's defaults: 10 volumes, 1000 GiB). */
  setQuota(projectId: string, quota: Partial<VolumeQuota>): void {
    this.quotas.set(projectId, { ...this.quotaOf(projectId), ...quota });
  }

  private quotaOf(projectId: string): VolumeQuota {
    return this.quotas.get(projectId) ?? DEFAULT_QUOTA;
  }

  private usageOf(projectId: string): { volumes: number; gigabytes: number } {
    const mine = [...this.volumes.values()].filter((v) => v.projectId === projectId);
    return { volumes: mine.length, gigabytes: mine.reduce((sum, v) => sum + v.size, 0) };
  }

  /** Cinder's `GET /v3/{project_id}/limits`: no rate limits, the absolute ones with usage. */
  private async limits(request: SimRequest): Promise<void> {
    if (!(await this.authorize(request, request.params.project))) return;
    const quota = this.quotaOf(request.params.project);
    const used = this.usageOf(request.params.project);
    sendJson(request.res, 200, {
      limits: {
        rate: [],
        absolute: {
          totalSnapshotsUsed: 0,
          maxTotalBackups: 10,
          maxTotalVolumeGigabytes: quota.gigabytes,
          maxTotalSnapshots: 10,
          maxTotalBackupGigabytes: 1000,
          totalBackupGigabytesUsed: 0,
          maxTotalVolumes: quota.volumes,
          totalVolumesUsed: used.volumes,
          totalBackupsUsed: 0,
          totalGigabytesUsed: used.gigabytes,
        },
      },
    });
  }

  /** Cinder's quota refusal of a create (413), or undefined when it fits. */
  private overQuota(projectId: string, size: number): string | undefined {
    const quota = this.quotaOf(projectId);
    const used = this.usageOf(projectId);
    if (quota.gigabytes >= 0 && used.gigabytes + size > quota.gigabytes) {
      return `VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds allowed gigabytes quota. Requested ${size}G, quota is ${quota.gigabytes}G and ${used.gigabytes}G has been consumed.`;
    }
    if (quota.volumes >= 0 && used.volumes + 1 > quota.volumes) return `VolumeLimitExceeded: Maximum number of volumes allowed (${quota.volumes}) exceeded for quota 'volumes'.`;
    return undefined;
  }

  protected sendError(res: ServerResponse, status: number, message: string): void {
    const key = { 400: 'badRequest', 403: 'forbidden', 404: 'itemNotFound', 413: 'overLimit' }[status] ?? 'computeFault';
    sendJson(res, status, { [key]: { code: status, message } });
  }

  private async version(request: SimRequest): Promise<void> {
    if (await this.authorize(request)) sendJson(request.res, 200, this.versionDocument(request));
  }

  private async redirectToVersion(request: SimRequest): Promise<void> {
    if (!(await this.authorize(request))) return;
    request.res.writeHead(302, { location: `${this.baseUrl(request)}/v3/`, 'content-type': 'text/plain; charset=UTF-8', 'content-length': 0 }).end();
  }

  private versionDocument(request: SimRequest): unknown {
    return {
      versions: [
        {
          id: 'v3.0',
          status: 'CURRENT',
          version: MAX_VERSION,
          min_version: MIN_VERSION,
          updated: '2022-08-31T00:00:00Z',
          links: [
            { rel: 'describedby', type: 'text/html', href: 'https://docs.openstack.org/' },
            { rel: 'self', href: `${this.baseUrl(request)}/v3/` },
          ],
          'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.volume+json;version=3' }],
        },
      ],
    };
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
    const sort = parsed.query.sort.map(([key, dir]): [string, 'asc' | 'desc'] => [SORT_COLUMNS[key] ?? key, dir]);
    const page = pageOf(mine, { ...parsed.query, sort });
    // Cinder's MarkerNotFound is a 404.
    if (!page.ok) return this.sendError(request.res, 404, page.message);
    const detail = request.params.detail !== undefined;
    const base = this.baseUrl(request);
    const body: Record<string, unknown> = { volumes: page.items.map((v) => (detail ? this.render(v, base) : this.summary(v, base))) };
    // limit=0: an empty list, no next link (there is no last item to page after).
    if (page.more && page.items.length > 0) {
      const next = new URLSearchParams(request.query);
      next.set('marker', page.items[page.items.length - 1].id);
      body.volumes_links = [{ href: `${base}/v3/${request.params.project}/volumes${detail ? '/detail' : ''}?${next}`, rel: 'next' }];
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
    const refused = this.overQuota(request.params.project, size);
    if (refused) return this.sendError(request.res, 413, refused);
    const volume = this.seed(request.params.project, { name: body.volume.name ?? null, description: body.volume.description ?? null, size, metadata: body.volume.metadata ?? {} });
    sendJson(request.res, 202, { volume: { ...this.render(volume, this.baseUrl(request)), status: 'creating' } });
  }

  private async show(request: SimRequest): Promise<void> {
    if (!(await this.authorize(request, request.params.project))) return;
    const volume = this.owned(request);
    if (volume) sendJson(request.res, 200, { volume: this.render(volume, this.baseUrl(request)) });
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
    sendJson(request.res, 200, { volume: this.render(volume, this.baseUrl(request)) });
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

  private summary(volume: Volume, base: string): unknown {
    return { id: volume.id, name: volume.name, links: this.links(volume, base) };
  }

  private render(volume: Volume, base: string): Record<string, unknown> {
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
      links: this.links(volume, base),
    };
  }

  private links(volume: Volume, base: string): unknown[] {
    return [
      { href: `${base}/v3/${volume.projectId}/volumes/${volume.id}`, rel: 'self' },
      { href: `${base}/${volume.projectId}/volumes/${volume.id}`, rel: 'bookmark' },
    ];
  }
}
