import type { IncomingMessage } from 'node:http';
import { OpenStackError, type ServiceProvider } from '@k2k/common';
import { SealedJsonCache, type ResourceLocation, type Store } from '@k2k/store';
import type { Call } from '../call.js';
import type { CloudAddress, Destination } from '../execute/cloud-address.js';
import type { RemoteSession } from '../execute/remote-session.js';
import type { ReadAnswer } from '../execute/upstream.js';
import { microversionAnswer, microversionHeaders } from '../parse/microversion.js';
import { rewriteValue, type LinkMap } from '../answer/rewrite-links.js';
import { errorMessage, extraKeys, parseItem, parseJson, pick } from './cloud-answer.js';
import { fieldSelection, listShape, type ListShape } from './list-shape.js';
import { mergePage, stateBefore, type CloudItems } from './merge.js';
import { PageMarkers, type CloudCursor, type PageState } from './page-marker.js';
import { pageLimit, pageLinks, pageQuery, pageReverse, pagingSemantics, readMarker, type Marker, type PageLink, type PagingSemantics } from './list-paging.js';
import { compareValues, orderSignature, readSortOrder, reversed, SORT_PARAMS, sortParams, sortValues, type SortOrder } from './sort-order.js';

type Item = Record<string, unknown>;

/** What the aggregation needs from the rest of the engine. */
export interface AggregationPorts {
  /** The caller's session at a service provider (for the project the request would be scoped to there) */
  session(call: Call, serviceProvider: ServiceProvider): Promise<RemoteSession>;
  address(call: Call, destination: Destination, rest: string, query: string): CloudAddress;
  read(address: CloudAddress, call: Call): Promise<ReadAnswer>;
  /** How links from a cloud's answer point through this proxy (its `proxy` is the mount's URL) */
  links(call: Call, destination: Destination): LinkMap;
}

export interface AggregationSettings {
  /** The catalog's type: part of what keeps one mount's merged lists apart from another's */
  serviceType: string;
  /** The official type whose list semantics apply (EngineSettings.api) */
  api: string;
  localName: string;
  /** The largest merged page, and the default when the caller gives no limit */
  pageLimit: number;
  /** The largest answer read from one cloud (bytes) */
  bodyLimitBytes: number;
}

/** A merged list, ready to answer. */
export interface AggregatedList {
  body: Record<string, unknown>;
  /** Clouds whose items are missing: failed, too slow or too large */
  partial: string[];
  /** Each listed item with where it is, to learn from */
  learned: { id: string; location: ResourceLocation }[];
  /** The microversion served (`OpenStack-API-Version` and its `Vary`), as the service answers it; none when the caller asked for none */
  headers: Record<string, string>;
}

/** Pages read from one cloud while looking for the items after a cursor it cannot take as a marker. */
const MAX_SCAN_PAGES = 10;
/** How long the cursors of a page's last item are kept, for a client that pages by that item's id. */
const CURSOR_TTL_SECONDS = 3600;
const PAGING_PARAMS = ['limit', 'marker', 'page_reverse', ...SORT_PARAMS];

interface Cloud {
  name: string;
  destination: Destination;
  location: ResourceLocation;
}

type CloudPage = { ok: true; page: CloudItems; extra: Item; served: Record<string, string> } | { ok: false; status: number; message: string };
type Failure = { cloud: string; status: number; message: string };

/**
 * Rule 5: a list call answered from every cloud (DESIGN "Aggregation"). The local service and every
 * service provider the caller may use are asked in parallel, each with the caller's filters, the
 * merged list's order (`id` last, so it is total) and the page size, after its own cursor; the
 * pages are merged into one. The next link carries every cloud's cursor in an opaque marker, so a
 * page reads at most `limit` items per cloud however deep it is. A plain item id also works as a
 * marker: the cursors of the last item of every page served are kept a while, and otherwise the
 * item's cloud (learned from the lists that showed it, or found by a search) and its sort values
 * position the others.
 */
export class Aggregator {
  private readonly markers: PageMarkers;
  private readonly cursors: SealedJsonCache<PageState>;
  private readonly paging: PagingSemantics;

  constructor(
    store: Store,
    private readonly ports: AggregationPorts,
    private readonly settings: AggregationSettings,
    /** Where a plain-id marker's item is: learned, or searched among the local cloud and `candidates` */
    private readonly findMarker: (call: Call, id: string, candidates: readonly ServiceProvider[]) => Promise<ResourceLocation | undefined>,
  ) {
    this.markers = new PageMarkers(store);
    this.cursors = new SealedJsonCache<PageState>(store, 'list-cursor');
    this.paging = pagingSemantics(settings.api);
  }

  async list(call: Call, serviceProviders: readonly ServiceProvider[], withLocalCloud: boolean): Promise<AggregatedList> {
    const { request } = call;
    const params = new URLSearchParams(request.query);
    refuseAllTenants(params, call);
    // Neutron's `page_reverse`: the page before the marker is the next page of the order read backwards, shown forwards.
    const reverse = pageReverse(params, this.paging);
    const forward = readSortOrder(params, this.settings.api);
    const order = reverse ? reversed(forward) : forward;
    const limit = pageLimit(params.get('limit'), this.settings.pageLimit, this.paging);
    const detail = request.rest.endsWith('/detail');
    const shape = listShape(this.settings.api, request.resourceType ?? '', detail);
    // Cinder's `limit=0`: an empty list, no cloud asked.
    if (limit === 0) return { body: { [shape.itemsKey]: [] }, partial: [], learned: [], headers: microversionAnswer(call.req) };
    const filters = [...params].filter(([name]) => !PAGING_PARAMS.includes(name));
    const subject = (of: SortOrder) => [call.identity?.project?.id, this.settings.serviceType, request.rest, orderSignature(of), new URLSearchParams(filters).toString()].join('\n');
    const fields = fieldSelection(shape, filters, order.fields);

    // A marker is read before any cloud is asked (K2K exchanges included): a malformed one is 400.
    const marker = readMarker(params.get('marker'), this.markers);
    const { clouds, unreachable } = await this.clouds(call, serviceProviders, withLocalCloud);
    const state = await this.startingState(call, marker, { subject: subject(order), order, clouds, candidates: serviceProviders });
    const rest = shape.summaryFields ? `/${request.resourceType}/detail` : request.rest;
    const asked = clouds.filter((cloud) => !state[cloud.name]?.done);
    const pages = await Promise.all(asked.map((cloud) => this.readCloud(call, cloud, state[cloud.name] ?? {}, { rest, filters: fields.sent, order, limit, shape })));

    const answered = pages.flatMap((page) => (page.ok ? [page] : []));
    const failed = [...unreachable, ...pages.flatMap((page, i) => (page.ok ? [] : [{ cloud: asked[i].name, status: page.status, message: page.message }]))];
    if (answered.length === 0 && failed.length > 0) throw new OpenStackError(failed[0].status, failed[0].message);
    const merged = mergePage(
      answered.map((page) => page.page),
      state,
      order,
      limit,
    );
    // A cloud that failed keeps its cursor: the next page asks it again.
    const more = merged.more || failed.length > 0;
    const byName = new Map(clouds.map((cloud) => [cloud.name, cloud]));
    const linkMaps = new Map(clouds.map((cloud) => [cloud.name, this.ports.links(call, cloud.destination)]));
    const includeLocation = header(call.req, 'x-k2k-include-location') === 'true';
    const shown = reverse ? [...merged.items].reverse() : merged.items;
    const items = shown.map(({ cloud, item }) => {
      // Each item's own links point at its cloud: through this proxy instead, with the caller's project.
      const visible = rewriteValue(fields.shown ? pick(item, fields.shown) : item, linkMaps.get(cloud) as LinkMap) as Item;
      return includeLocation ? { ...visible, 'k2k:service_provider': cloud } : visible;
    });
    const body: Record<string, unknown> = { ...(answered[0]?.extra ?? {}), [shape.itemsKey]: items };
    if (shape.nextLink === 'glance') {
      // Glance's `first`: the merged list's first page, below the endpoint as Glance gives it.
      const query = pageQuery(filters, params);
      body.first = query ? `${request.path}?${query}` : request.path;
    }
    const links: PageLink[] = [];
    const last = merged.items[merged.items.length - 1];
    if (more && last) {
      const sealed = this.markers.seal(merged.state, subject(order));
      await this.cursors.set(`${subject(order)}\n${String(last.item.id)}`, merged.state, CURSOR_TTL_SECONDS);
      links.push({ rel: reverse ? 'previous' : 'next', query: pageQuery(filters, params, sealed, reverse) });
    }
    const first = merged.items[0];
    // Neutron links the other way too when asked for a limit: `previous` from a page, `next` from a reverse one.
    if (this.paging.reverse && params.get('limit') !== null && first) {
      const read = new Map(answered.map((page) => [page.page.cloud, page.page.items]));
      const before = stateBefore(clouds.map((cloud) => cloud.name), read, new Set(failed.map((failure) => failure.cloud)), first.item, order);
      const opposite = subject(reversed(order));
      await this.cursors.set(`${opposite}\n${String(first.item.id)}`, before, CURSOR_TTL_SECONDS);
      links.push({ rel: reverse ? 'next' : 'previous', query: pageQuery(filters, params, this.markers.seal(before, opposite), !reverse) });
    }
    // Neutron writes `next` before `previous`.
    links.sort((a, b) => (a.rel === b.rel ? 0 : a.rel === 'next' ? -1 : 1));
    Object.assign(body, pageLinks(call, this.ports.links(call, { kind: 'local' }).proxy, shape, links));
    return {
      body,
      partial: failed.map((failure) => failure.cloud),
      learned: merged.items.map(({ cloud, item }) => ({ id: String(item.id), location: (byName.get(cloud) as Cloud).location })),
      // The version the first cloud that answered served (the local cloud's, when it did).
      headers: microversionAnswer(call.req, answered[0]?.served),
    };
  }

  /**
   * The clouds to ask: the local one, and every service provider where the caller has the project
   * the request would be scoped to and the service in that project's catalog (one without either
   * has nothing of theirs: skipped). An SP whose K2K exchange fails is reported, not asked.
   */
  private async clouds(call: Call, serviceProviders: readonly ServiceProvider[], withLocalCloud: boolean): Promise<{ clouds: Cloud[]; unreachable: Failure[] }> {
    const clouds: Cloud[] = withLocalCloud ? [{ name: this.settings.localName, destination: { kind: 'local' }, location: { serviceProvider: null } }] : [];
    const unreachable: Failure[] = [];
    await Promise.all(
      serviceProviders.map(async (serviceProvider) => {
        try {
          const session = await this.ports.session(call, serviceProvider);
          const destination: Destination = { kind: 'remote', serviceProvider, session };
          this.ports.address(call, destination, '', ''); // 403 when the SP's catalog for the project lacks the service
          clouds.push({ name: serviceProvider.id, destination, location: { serviceProvider: serviceProvider.id, projectId: session.projectId } });
        } catch (error) {
          const status = error instanceof OpenStackError ? error.status : 502;
          if (status !== 400 && status !== 403) unreachable.push({ cloud: serviceProvider.id, status, message: (error as Error).message });
        }
      }),
    );
    return { clouds, unreachable };
  }

  /** Where each cloud starts: from the beginning, an opaque marker's cursors, or a plain item id's position. */
  private async startingState(call: Call, marker: Marker | undefined, list: { subject: string; order: SortOrder; clouds: Cloud[]; candidates: readonly ServiceProvider[] }): Promise<PageState> {
    const { subject, order, clouds } = list;
    if (marker === undefined) return {};
    if (marker.kind === 'opaque') return this.markers.open(marker.text, subject);
    const { id, segment } = marker;
    const kept = await this.cursors.get(`${subject}\n${id}`);
    if (kept) return kept;
    const location = await this.findMarker(call, id, list.candidates);
    const owner = location && clouds.find((cloud) => cloud.location.serviceProvider === location.serviceProvider);
    if (!owner) throw new OpenStackError(this.paging.unknownMarkerStatus, `Marker ${id} is not an item of this list that this proxy knows of or could find; follow the list's next link.`);
    const address = this.ports.address(call, owner.destination, `/${call.request.resourceType}/${segment}`, '');
    const shown = await this.ports.read(address, call);
    const item = parseItem(shown, call.request.resourceType ?? '', this.settings.api);
    if (!item) throw new OpenStackError(this.paging.unknownMarkerStatus, `Marker ${id} could not be found.`);
    const after = { id, values: sortValues(item, order) };
    return Object.fromEntries(clouds.map((cloud): [string, CloudCursor] => [cloud.name, cloud === owner ? { after } : { after, scan: true }]));
  }

  private async readCloud(call: Call, cloud: Cloud, cursor: CloudCursor, ask: { rest: string; filters: [string, string][]; order: SortOrder; limit: number; shape: ListShape }): Promise<CloudPage> {
    const base: [string, string][] = [...ask.filters, ...sortParams(ask.order, this.settings.api), ['limit', String(ask.limit)]];
    const readPage = async (marker?: string): Promise<CloudPage> => {
      const query = `?${new URLSearchParams(marker ? [...base, ['marker', marker]] : base)}`;
      try {
        const answer = await this.ports.read(this.ports.address(call, cloud.destination, ask.rest, query), call);
        if (answer.status < 200 || answer.status >= 300) return { ok: false, status: CALLERS_ERRORS.has(answer.status) ? answer.status : 502, message: failure(cloud, answer) };
        const body = parseJson(answer.body);
        const items = body?.[ask.shape.itemsKey];
        if (!Array.isArray(items)) return { ok: false, status: 502, message: `${describe(cloud)} did not answer a list of ${ask.shape.itemsKey}.` };
        return { ok: true, page: { cloud: cloud.name, items: items as Item[], exhausted: items.length < ask.limit }, extra: extraKeys(body as Item, ask.shape), served: microversionHeaders(answer.headers) };
      } catch (error) {
        return { ok: false, status: error instanceof OpenStackError ? error.status : 502, message: (error as Error).message };
      }
    };
    const after = cursor.after;
    if (after && !cursor.scan) {
      const page = await readPage(after.id);
      // The cursor's item is gone (deleted between pages): find the place by its sort values instead.
      if (page.ok || (page.status !== 400 && page.status !== 404)) return page;
    }
    if (!after) return readPage();
    return this.scan(cloud, after.values, ask.order, ask.limit, readPage);
  }

  /** Reads a cloud from the start and keeps the items after `values`, at most MAX_SCAN_PAGES pages. */
  private async scan(cloud: Cloud, values: unknown[], order: SortOrder, limit: number, readPage: (marker?: string) => Promise<CloudPage>): Promise<CloudPage> {
    const kept: Item[] = [];
    let marker: string | undefined;
    for (let pages = 0; pages < MAX_SCAN_PAGES; pages++) {
      const page = await readPage(marker);
      if (!page.ok) return page;
      const { items, exhausted } = page.page;
      kept.push(...items.filter((item) => compareValues(sortValues(item, order), values, order) > 0));
      if (kept.length >= limit || exhausted) return { ok: true, page: { cloud: cloud.name, items: kept.slice(0, limit), exhausted: exhausted && kept.length <= limit }, extra: page.extra, served: page.served };
      marker = String(items[items.length - 1].id);
    }
    return { ok: false, status: 502, message: `${describe(cloud)}: the marker's place was not found within ${MAX_SCAN_PAGES} pages; follow the list's next link.` };
  }
}

/**
 * A cloud's answers that judge the caller's request, passed on when every cloud failed: 400, 404,
 * and 406 (a microversion the service does not serve). Any other failure is the cloud's: 502.
 */
const CALLERS_ERRORS: ReadonlySet<number> = new Set([400, 404, 406]);

function refuseAllTenants(params: URLSearchParams, call: Call): void {
  const all = params.get('all_tenants') ?? params.get('all_projects');
  if (all === null || ['0', 'false', 'False'].includes(all)) return;
  if (!call.identity?.roles.includes('admin')) throw new OpenStackError(403, 'Listing every project (all_tenants) needs the admin role.');
}

function failure(cloud: Cloud, answer: { status: number; body: Buffer }): string {
  return `${describe(cloud)}: ${errorMessage(answer)}`;
}

function describe(cloud: Cloud): string {
  return cloud.destination.kind === 'local' ? 'The local cloud' : `Service provider ${cloud.name}`;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return (Array.isArray(value) ? value[0] : value)?.trim().toLowerCase();
}
