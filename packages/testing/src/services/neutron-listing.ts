import { NeutronFault, type NeutronRecord, type NeutronResource } from './neutron-resources.js';

type Link = { rel: 'next' | 'previous'; href: string };

/** A page of a Neutron list: the items shown (already cut to `fields`) and its `<plural>_links`. */
export interface NeutronPage {
  items: Record<string, unknown>[];
  links: Link[];
}

/** The query parameters a list takes that are no attribute filter. */
const LIST_PARAMS = new Set(['limit', 'marker', 'page_reverse', 'sort_key', 'sort_dir', 'fields', 'tags', 'tags-any', 'not-tags', 'not-tags-any']);

/**
 * A Neutron list as neutron-server answers it with native sorting and paging (api_common.py,
 * neutron_lib's model_query): attribute filters (each repeatable, any value matches; an attribute
 * that is no filter is 400), tag filters, `sort_key`/`sort_dir` in pairs (`id` ascending added last;
 * the default order), `limit` (0: no limit) and `marker` (an unknown one is the resource's 404),
 * `page_reverse` (the page before the marker, still in the asked order), and `fields`. With a limit
 * the links are Neutron's: `next` unless a forward page came short, `previous` unless a reverse page
 * did, each the request's own URL with the first or last item's id as marker.
 */
export function neutronPage(all: readonly NeutronRecord[], resource: NeutronResource, query: URLSearchParams, url: string): NeutronPage {
  const matching = all.filter(filterOf(resource, query));
  const order = sortOf(resource, query);
  const limit = limitOf(query);
  const reverse = (query.get('page_reverse') ?? 'False').toLowerCase() === 'true';
  const sorted = [...matching].sort((a, b) => compareBy(a, b, order) * (reverse ? -1 : 1));
  let start = 0;
  const marker = query.get('marker');
  if (limit > 0 && marker !== null) {
    const at = sorted.findIndex((item) => item.id === marker);
    if (at < 0) {
      if (!all.some((item) => item.id === marker)) throw resource.notFound(marker);
      // The marker exists but is filtered out: its place in the order still counts.
      const markerItem = all.find((item) => item.id === marker) as NeutronRecord;
      start = sorted.findIndex((item) => compareBy(item, markerItem, order) * (reverse ? -1 : 1) > 0);
      if (start < 0) start = sorted.length;
    } else start = at + 1;
  }
  const taken = limit > 0 ? sorted.slice(start, start + limit) : sorted;
  if (reverse) taken.reverse();
  const fields = query.getAll('fields').filter(Boolean);
  const items = fields.length === 0 ? taken : taken.map((item) => Object.fromEntries(fields.filter((field) => field in item).map((field) => [field, item[field]])));
  return { items, links: limit > 0 ? linksOf(taken, limit, reverse, query, url) : [] };
}

function linksOf(items: readonly NeutronRecord[], limit: number, reverse: boolean, query: URLSearchParams, url: string): Link[] {
  const links: Link[] = [];
  const href = (marker: string | undefined, pageReverse: boolean): string => {
    const params = new URLSearchParams([...query].filter(([name]) => name !== 'marker' && name !== 'page_reverse'));
    if (marker !== undefined) params.append('marker', marker);
    if (pageReverse) params.append('page_reverse', 'True');
    return `${url}?${params}`;
  };
  if (!(items.length < limit && !reverse)) links.push({ rel: 'next', href: href(items[items.length - 1]?.id, false) });
  if (!(items.length < limit && reverse)) links.push({ rel: 'previous', href: href(items[0]?.id, true) });
  return links;
}

function limitOf(query: URLSearchParams): number {
  const text = query.get('limit') ?? '0';
  const limit = /^\d+$/.test(text) ? Number(text) : -1;
  if (limit < 0) throw new NeutronFault(400, 'BadRequest', `Bad limit request: Limit must be an integer 0 or greater and not '${text}'.`);
  return limit;
}

function sortOf(resource: NeutronResource, query: URLSearchParams): [string, 1 | -1][] {
  const keys = query.getAll('sort_key').filter(Boolean);
  const dirs = query.getAll('sort_dir').filter(Boolean);
  if (keys.length !== dirs.length) throw new NeutronFault(400, 'HTTPBadRequest', 'The number of sort_keys and sort_dirs must be same');
  const absent = keys.filter((key) => !resource.sortable.includes(key));
  if (absent.length > 0) throw new NeutronFault(400, 'HTTPBadRequest', `${pyList(absent)} is invalid attribute for sort_keys`);
  const invalid = dirs.filter((dir) => dir !== 'asc' && dir !== 'desc');
  if (invalid.length > 0) throw new NeutronFault(400, 'HTTPBadRequest', `${pyList(invalid)} is invalid value for sort_dirs, valid value is 'asc' and 'desc'`);
  const order = keys.map((key, i): [string, 1 | -1] => [key, dirs[i] === 'asc' ? 1 : -1]);
  if (!keys.includes('id')) order.push(['id', 1]);
  return order;
}

function filterOf(resource: NeutronResource, query: URLSearchParams): (item: NeutronRecord) => boolean {
  const names = [...new Set([...query.keys()])].filter((name) => !LIST_PARAMS.has(name));
  const invalid = names.filter((name) => !resource.filterable.includes(name));
  if (invalid.length > 0) throw new NeutronFault(400, 'HTTPBadRequest', `${pyList(invalid)} is invalid attribute for filtering`);
  const tagSets = (name: string) => query.getAll(name).map((value) => value.split(',').filter(Boolean));
  const [all, any, notAll, notAny] = ['tags', 'tags-any', 'not-tags', 'not-tags-any'].map(tagSets);
  return (item) => {
    if (!names.every((name) => query.getAll(name).some((value) => matches(item[name], value)))) return false;
    const tags = (item.tags as string[] | undefined) ?? [];
    const has = (wanted: string[]) => wanted.every((tag) => tags.includes(tag));
    const hasAny = (wanted: string[]) => wanted.some((tag) => tags.includes(tag));
    return all.every(has) && any.every(hasAny) && !notAll.some(has) && !notAny.some(hasAny);
  };
}

/** A filter value against an attribute, as Neutron converts it: booleans from 'true'/'false' (any case, or 1/0), the rest as text. */
function matches(value: unknown, wanted: string): boolean {
  if (typeof value === 'boolean') return ['true', '1'].includes(wanted.toLowerCase()) === value && ['true', 'false', '1', '0'].includes(wanted.toLowerCase());
  return value !== undefined && value !== null && String(value) === wanted;
}

function compareBy(a: NeutronRecord, b: NeutronRecord, order: readonly [string, 1 | -1][]): number {
  for (const [key, dir] of order) {
    const [x, y] = [a[key], b[key]];
    if (x === y) continue;
    if (x === null || x === undefined) return -dir;
    if (y === null || y === undefined) return dir;
    return (typeof x === 'number' && typeof y === 'number' ? x - y : String(x) < String(y) ? -1 : String(x) > String(y) ? 1 : 0) * dir;
  }
  return 0;
}

/** A list as Python prints it, which Neutron's messages show: ['a', 'b'] */
function pyList(values: readonly string[]): string {
  return `[${values.map((value) => `'${value}'`).join(', ')}]`;
}
