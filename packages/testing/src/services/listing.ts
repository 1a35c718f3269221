/** A list call's paging and sorting, as Cinder and Glance take them. */
export interface ListQuery {
  limit?: number;
  marker?: string;
  /** [key, direction] pairs, most significant first */
  sort: [string, 'asc' | 'desc'][];
}

export type ListQueryResult = { ok: true; query: ListQuery } | { ok: false; message: string };

/**
 * Reads `limit`, `marker`, `sort_key`/`sort_dir` (repeatable) and `sort=key:dir,key2` from a query.
 * Default order: created_at descending, then id descending (the services' default).
 */
export function parseListQuery(params: URLSearchParams, sortable: readonly string[]): ListQueryResult {
  const limitText = params.get('limit');
  const limit = limitText === null ? undefined : Number(limitText);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) return { ok: false, message: `Invalid input for field/attribute limit. Value: ${limitText}.` };
  const sort: [string, 'asc' | 'desc'][] = [];
  const keys = params.getAll('sort_key');
  const dirs = params.getAll('sort_dir');
  keys.forEach((key, i) => sort.push([key, (dirs[i] ?? dirs[0] ?? 'desc') as 'asc' | 'desc']));
  for (const item of (params.get('sort') ?? '').split(',').filter(Boolean)) {
    const [key, dir = 'desc'] = item.split(':');
    sort.push([key, dir as 'asc' | 'desc']);
  }
  for (const [key, dir] of sort) {
    if (!sortable.includes(key)) return { ok: false, message: `Invalid sort key: ${key}` };
    if (dir !== 'asc' && dir !== 'desc') return { ok: false, message: `Invalid sort direction: ${dir}` };
  }
  if (sort.length === 0) sort.push(['created_at', 'desc']);
  if (!sort.some(([key]) => key === 'id')) sort.push(['id', 'desc']);
  return { ok: true, query: { limit, marker: params.get('marker') ?? undefined, sort } };
}

export type Page<T> = { ok: true; items: T[]; more: boolean } | { ok: false; message: string };

/** Sorts, then returns the items after the marker, at most `limit` of them. */
export function pageOf<T extends { id: string }>(all: readonly T[], query: ListQuery): Page<T> {
  const sorted = [...all].sort((a, b) => {
    for (const [key, dir] of query.sort) {
      const order = compare((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]);
      if (order !== 0) return dir === 'asc' ? order : -order;
    }
    return 0;
  });
  let start = 0;
  if (query.marker !== undefined) {
    const index = sorted.findIndex((item) => item.id === query.marker);
    if (index < 0) return { ok: false, message: `Marker ${query.marker} could not be found.` };
    start = index + 1;
  }
  const end = query.limit === undefined ? sorted.length : start + query.limit;
  return { ok: true, items: sorted.slice(start, end), more: end < sorted.length };
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === undefined || a === null) return -1;
  if (b === undefined || b === null) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : 1;
}
