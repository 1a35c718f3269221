// The merged list's paging as the caller writes it: the limit and marker asked for, and the query
// and link of the next page.

import { OpenStackError } from '@k2k/common';
import type { Call } from '../call.js';
import { pathSegment } from '../parse/path-segment.js';
import type { ListShape } from './list-shape.js';
import type { PageMarkers } from './page-marker.js';
import { SORT_PARAMS } from './sort-order.js';

/** A list's `marker`: one of this proxy's opaque markers, or a plain item id with the path segment its item is read (and searched) at. */
export type Marker = { kind: 'opaque'; text: string } | { kind: 'item'; id: string; segment: string };

/**
 * The `marker` parameter, none when absent. A plain-id marker is a bare item id, which the
 * request-path rules allow as one segment: 400 naming it otherwise (a dot segment, a slash, a
 * control character, an '@' qualifier, empty).
 */
export function readMarker(text: string | null, markers: PageMarkers): Marker | undefined {
  if (text === null) return undefined;
  if (markers.isOpaque(text)) return { kind: 'opaque', text };
  if (text.includes('@')) throw new OpenStackError(400, `The marker ${JSON.stringify(text)} has an "@": a marker is the bare id of an item of this list (or the marker of its next link).`);
  return { kind: 'item', id: text, segment: pathSegment(text, 'The marker') };
}

/**
 * How a service's lists take the paging parameters where services differ: Cinder answers `limit=0`
 * with an empty list and a marker it cannot find with 404 ("Marker ... could not be found"); the
 * others (Glance, Nova, Neutron) are answered 400 for both, as before.
 */
export interface PagingSemantics {
  zeroLimit: boolean;
  unknownMarkerStatus: 400 | 404;
}

export function pagingSemantics(serviceType: string): PagingSemantics {
  return serviceType === 'block-storage' ? { zeroLimit: true, unknownMarkerStatus: 404 } : { zeroLimit: false, unknownMarkerStatus: 400 };
}

/** The `limit` parameter: the merged page's size, at most `max`, which is also the default; 0 where the service takes it. */
export function pageLimit(text: string | null, max: number, semantics: PagingSemantics): number {
  if (text === null) return max;
  const limit = Number(text);
  const least = semantics.zeroLimit ? 0 : 1;
  if (!Number.isInteger(limit) || limit < least) throw new OpenStackError(400, `Invalid limit: ${JSON.stringify(text)} (${least === 0 ? 'a non-negative' : 'a positive'} integer).`);
  return Math.min(limit, max);
}

/** A page of the merged list as a query: the caller's filters, order and limit, and the page's marker (none: the first page). */
export function pageQuery(filters: [string, string][], params: URLSearchParams, marker?: string): string {
  const kept = [...params].filter(([name]) => SORT_PARAMS.includes(name) || name === 'limit');
  const page: [string, string][] = marker === undefined ? [] : [['marker', marker]];
  return new URLSearchParams([...filters, ...kept, ...page]).toString();
}

/** The next page's link, through this proxy. */
export function nextLink(call: Call, mount: URL, shape: ListShape, query: string): Record<string, unknown> {
  const { request } = call;
  if (shape.nextLink === 'glance') return { next: `${request.path}?${query}` }; // Glance's links are below the endpoint
  return { [`${shape.itemsKey}_links`]: [{ rel: 'next', href: `${mount.href.replace(/\/+$/, '')}${request.path}?${query}` }] };
}
