import { createHash, randomUUID } from 'node:crypto';
import { request, type ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { sendJson, type SimRequest } from '../sim-server.js';
import { FakeService, type ReceivedRequest } from './fake-service.js';
import { ImageMembers, type MembersAnswer } from './image-members.js';
import type { TokenChecker } from './token-checker.js';
import { pageOf, parseListQuery } from './listing.js';

/** An image as the fake Glance keeps it. Data is never held beyond `KEPT_BYTES`. */
export interface Image {
  id: string;
  name: string | null;
  status: 'queued' | 'active';
  visibility: 'public' | 'private' | 'shared' | 'community';
  owner: string;
  size: number | null;
  checksum: string | null;
  sha256: string | null;
  diskFormat: string | null;
  containerFormat: string | null;
  createdAt: string;
  updatedAt: string;
  tags: string[];
  /** The data, when the image is small enough to keep it */
  data?: Buffer;
  /** For seeded images: the size of a synthetic pattern served as the data */
  patternBytes?: number;
}

/** Uploads up to this size are kept and served back; bigger ones are only counted and hashed. */
const KEPT_BYTES = 4 << 20;
const SORTABLE = ['id', 'name', 'status', 'size', 'created_at', 'updated_at', 'visibility', 'owner'];
const PATCH_TYPE = 'application/openstack-images-v2.1-json-patch';
/** Glance (Zed)'s API versions, newest first */
const VERSIONS = Array.from({ length: 17 }, (_, i) => `v2.${16 - i}`);

/**
 * A fake Glance v2 (`/v2/images...`) with Glance's JSON shapes: list (paging, sorting, `next`),
 * create (201), show, JSON-patch update, delete (204), image data upload and download streamed
 * in constant memory, and image members (a shared image's projects: image-members.ts). Version discovery as Glance does it, without a token: its versions at `/`
 * (300) and `/versions` (200), with absolute links built from the request's Host.
 */
export class ImageService extends FakeService {
  readonly images = new Map<string, Image>();
  readonly members = new ImageMembers();

  private constructor(tokens: TokenChecker) {
    super(tokens, [
      { method: 'GET', pattern: /^\/$/, name: 'versions', handle: (r) => sendJson(r.res, 300, this.versionDocument(r)) },
      { method: 'GET', pattern: /^\/versions$/, name: 'versions', handle: (r) => sendJson(r.res, 200, this.versionDocument(r)) },
      { method: 'GET', pattern: /^\/v2\/images$/, name: 'images.list', handle: (r) => this.list(r) },
      { method: 'POST', pattern: /^\/v2\/images$/, name: 'images.create', handle: (r, x) => this.create(r, x) },
      { method: 'GET', pattern: /^\/v2\/images\/(?<id>[^/]+)$/, name: 'images.show', handle: (r) => this.show(r) },
      { method: 'PATCH', pattern: /^\/v2\/images\/(?<id>[^/]+)$/, name: 'images.update', handle: (r, x) => this.update(r, x) },
      { method: 'DELETE', pattern: /^\/v2\/images\/(?<id>[^/]+)$/, name: 'images.delete', handle: (r) => this.remove(r) },
      { method: 'PUT', pattern: /^\/v2\/images\/(?<id>[^/]+)\/file$/, name: 'images.upload', handle: (r, x) => this.upload(r, x) },
      { method: 'GET', pattern: /^\/v2\/images\/(?<id>[^/]+)\/file$/, name: 'images.download', handle: (r) => this.download(r) },
      { method: 'POST', pattern: /^\/v2\/images\/(?<id>[^/]+)\/members$/, name: 'members.create', handle: (r, x) => this.member(r, x, (image, project, body) => this.members.create(image, project, body)) },
      { method: 'GET', pattern: /^\/v2\/images\/(?<id>[^/]+)\/members$/, name: 'members.list', handle: (r) => this.member(r, undefined, (image, project) => this.members.list(image, project)) },
      { method: 'GET', pattern: /^\/v2\/images\/(?<id>[^/]+)\/members\/(?<member>[^/]+)$/, name: 'members.show', handle: (r) => this.member(r, undefined, (image, project) => this.members.show(image, project, r.params.member)) },
      { method: 'PUT', pattern: /^\/v2\/images\/(?<id>[^/]+)\/members\/(?<member>[^/]+)$/, name: 'members.update', handle: (r, x) => this.member(r, x, (image, project, body) => this.members.update(image, project, r.params.member, body)) },
      { method: 'DELETE', pattern: /^\/v2\/images\/(?<id>[^/]+)\/members\/(?<member>[^/]+)$/, name: 'members.delete', handle: (r) => this.member(r, undefined, (image, project) => this.members.remove(image, project, r.params.member)) },
    ]);
  }

  /** Starts on free ports, or on `ports`; tokens are checked by `tokens` (a SimulatedKeystone, or realKeystoneChecker()). */
  static async start(tokens: TokenChecker, ports?: { public: number; internal: number }): Promise<ImageService> {
    const service = new ImageService(tokens);
    await service.listen(ports);
    return service;
  }

  /** Creates an image directly, for a test's setup; `patternBytes` gives it synthetic data of that size. */
  seed(owner: string, fields: Partial<Omit<Image, 'owner'>> = {}): Image {
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const image: Image = {
      id: randomUUID(),
      name: null,
      status: fields.patternBytes !== undefined || fields.data !== undefined ? 'active' : 'queued',
      visibility: 'shared',
      size: fields.patternBytes ?? fields.data?.length ?? null,
      checksum: null,
      sha256: null,
      diskFormat: null,
      containerFormat: null,
      createdAt: now,
      updatedAt: now,
      tags: [],
      ...fields,
      owner,
    };
    this.images.set(image.id, image);
    return image;
  }

  protected sendError(res: ServerResponse, status: number, message: string): void {
    const title = { 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 415: 'Unsupported Media Type' }[status] ?? 'Internal Server Error';
    const body = `<html>\n <head>\n  <title>${status} ${title}</title>\n </head>\n <body>\n  <h1>${status} ${title}</h1>\n  ${message}<br /><br />\n\n\n\n </body>\n</html>`;
    res.writeHead(status, { 'content-type': 'text/html; charset=UTF-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }

  private versionDocument(request: SimRequest): unknown {
    const self = `${this.baseUrl(request)}/v2/`;
    return { versions: VERSIONS.map((id, i) => ({ id, status: i === 0 ? 'CURRENT' : 'SUPPORTED', links: [{ rel: 'self', href: self }] })) };
  }

  private visible(request: SimRequest, projectId: string | undefined): Image | undefined {
    const image = this.images.get(request.params.id);
    if (image && (image.owner === projectId || image.visibility === 'public' || this.members.statusOf(image.id, projectId) !== undefined)) return image;
    this.sendError(request.res, 404, `No image found with ID ${request.params.id}`);
    return undefined;
  }

  private async list(request: SimRequest): Promise<void> {
    const token = await this.authorize(request);
    if (!token) return;
    const parsed = parseListQuery(request.query, SORTABLE);
    if (!parsed.ok) return this.sendError(request.res, 400, parsed.message);
    // Shared with the caller: listed in the member status asked for (Glance's member_status, default accepted).
    const memberStatus = request.query.get('member_status') ?? 'accepted';
    const sharedWithCaller = (image: Image) => {
      const status = this.members.statusOf(image.id, token.projectId);
      return status !== undefined && (memberStatus === 'all' || status === memberStatus);
    };
    const visible = [...this.images.values()]
      .filter((image) => image.owner === token.projectId || image.visibility === 'public' || sharedWithCaller(image))
      .map((image) => ({ ...image, created_at: image.createdAt, updated_at: image.updatedAt }));
    const page = pageOf(visible, parsed.query);
    if (!page.ok) return this.sendError(request.res, 400, page.message);
    const body: Record<string, unknown> = { images: page.items.map((image) => this.render(image)), first: `/v2/images${queryString(request.query, {})}`, schema: '/v2/schemas/images' };
    if (page.more) body.next = `/v2/images${queryString(request.query, { marker: page.items[page.items.length - 1].id })}`;
    sendJson(request.res, 200, body);
  }

  private async create(request: SimRequest, received: ReceivedRequest): Promise<void> {
    const token = await this.authorize(request);
    if (!token) return;
    const body = (await this.readJson(request, received)) as Record<string, unknown> | undefined;
    if (!body || typeof body !== 'object') return this.sendError(request.res, 400, 'Invalid JSON body.');
    const image = this.seed(token.projectId ?? '', {
      name: typeof body.name === 'string' ? body.name : null,
      visibility: (['public', 'private', 'shared', 'community'] as const).find((v) => v === body.visibility) ?? 'shared',
      diskFormat: typeof body.disk_format === 'string' ? body.disk_format : null,
      containerFormat: typeof body.container_format === 'string' ? body.container_format : null,
      tags: Array.isArray(body.tags) ? body.tags.map(String) : [],
    });
    sendJson(request.res, 201, this.render(image), { location: `${this.baseUrl(request)}/v2/images/${image.id}` });
  }

  private async show(request: SimRequest): Promise<void> {
    const token = await this.authorize(request);
    const image = token && this.visible(request, token.projectId);
    if (image) sendJson(request.res, 200, this.render(image));
  }

  private async update(request: SimRequest, received: ReceivedRequest): Promise<void> {
    const token = await this.authorize(request);
    const image = token && this.visible(request, token.projectId);
    if (!image) return;
    if (request.req.headers['content-type'] !== PATCH_TYPE) return this.sendError(request.res, 415, `Unsupported Content-Type; expected ${PATCH_TYPE}`);
    const patch = await this.readJson(request, received);
    if (!Array.isArray(patch)) return this.sendError(request.res, 400, 'Invalid JSON pointer for this resource.');
    for (const op of patch as { op?: string; path?: string; value?: unknown }[]) {
      if ((op.op === 'replace' || op.op === 'add') && op.path === '/name') image.name = String(op.value);
      else if ((op.op === 'replace' || op.op === 'add') && op.path === '/visibility') image.visibility = op.value as Image['visibility'];
      else return this.sendError(request.res, 400, `Invalid operation on ${String(op.path)}`);
    }
    image.updatedAt = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    sendJson(request.res, 200, this.render(image));
  }

  private async remove(request: SimRequest): Promise<void> {
    const token = await this.authorize(request);
    const image = token && this.visible(request, token.projectId);
    if (!image) return;
    if (image.owner !== token.projectId) return this.sendError(request.res, 403, 'You are not permitted to delete this image.');
    this.images.delete(image.id);
    this.members.forget(image.id);
    request.res.writeHead(204).end();
  }

  /** Streams the upload through the hashes: constant memory whatever its size. */
  private async upload(request: SimRequest, received: ReceivedRequest): Promise<void> {
    const token = await this.authorize(request);
    const image = token && this.visible(request, token.projectId);
    if (!image) return;
    const md5 = createHash('md5');
    const sha256 = createHash('sha256');
    const kept: Buffer[] = [];
    let bytes = 0;
    for await (const chunk of request.req as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      md5.update(chunk);
      sha256.update(chunk);
      if (bytes <= KEPT_BYTES) kept.push(chunk);
    }
    received.bodyBytes = bytes;
    Object.assign(image, {
      status: 'active',
      size: bytes,
      checksum: md5.digest('hex'),
      sha256: sha256.digest('hex'),
      data: bytes <= KEPT_BYTES ? Buffer.concat(kept) : undefined,
      patternBytes: undefined,
    });
    request.res.writeHead(204).end();
  }

  private async download(request: SimRequest): Promise<void> {
    const token = await this.authorize(request);
    const image = token && this.visible(request, token.projectId);
    if (!image) return;
    const size = image.data?.length ?? image.patternBytes;
    if (size === undefined) return void request.res.writeHead(204).end();
    request.res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size, ...(image.checksum && { 'content-md5': image.checksum }) });
    await pipeline(image.data ? Readable.from([image.data]) : patternStream(size), request.res);
  }

  /** A members call on an image the caller may see: its body read when `received` is given, the answer sent. */
  private async member(request: SimRequest, received: ReceivedRequest | undefined, act: (image: Image, projectId: string | undefined, body: unknown) => MembersAnswer): Promise<void> {
    const token = await this.authorize(request);
    const image = token && this.visible(request, token.projectId);
    if (!image) return;
    const answer = act(image, token.projectId, received && (await this.readJson(request, received)));
    if ('error' in answer) return this.sendError(request.res, answer.status, answer.error);
    if (answer.status === 204) return void request.res.writeHead(204).end();
    sendJson(request.res, answer.status, answer.body);
  }

  private render(image: Image): Record<string, unknown> {
    return {
      id: image.id,
      name: image.name,
      status: image.status,
      visibility: image.visibility,
      owner: image.owner,
      size: image.size,
      checksum: image.checksum,
      os_hash_algo: image.sha256 ? 'sha256' : null,
      os_hash_value: image.sha256,
      disk_format: image.diskFormat,
      container_format: image.containerFormat,
      min_disk: 0,
      min_ram: 0,
      protected: false,
      tags: image.tags,
      created_at: image.createdAt,
      updated_at: image.updatedAt,
      self: `/v2/images/${image.id}`,
      file: `/v2/images/${image.id}/file`,
      schema: '/v2/schemas/image',
    };
  }
}

function queryString(query: URLSearchParams, overrides: Record<string, string>): string {
  const params = new URLSearchParams(query);
  for (const [key, value] of Object.entries(overrides)) params.set(key, value);
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** PUTs `size` bytes of patternStream to `url`, streamed, and resolves with the status once answered. */
export function streamUpload(url: string, headers: Record<string, string>, size: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'PUT', headers: { ...headers, 'content-type': 'application/octet-stream', 'content-length': size } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    patternStream(size).pipe(req);
  });
}

/** `size` bytes of a repeating pattern, produced chunk by chunk. */
export function patternStream(size: number): Readable {
  const chunk = Buffer.alloc(64 * 1024, 'k2k-image-data/');
  let left = size;
  return new Readable({
    read() {
      if (left <= 0) return void this.push(null);
      const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
      left -= piece.length;
      this.push(piece);
    },
  });
}
