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
 * with an empty list and a marker it cannot find with 404 ("Marker ... could not be found");
 * Neutron takes `limit=0` as no limit and answers an unknown marker with the resource's 404; Glance
 * and Nova answer 400 for both. Neutron alone pages backwards (`page_reverse`) and gives a
 * `previous` link beside `next`.
 */
export interface PagingSemantics {
  zeroLimit: 'empty' | 'all' | 'refused';
  unknownMarkerStatus: 400 | 404;
  reverse: boolean;
}

export function pagingSemantics(serviceType: string): PagingSemantics {
  if (serviceType === 'block-storage') return { zeroLimit: 'empty', unknownMarkerStatus: 404, reverse: false };
  if (serviceType === 'network') return { zeroLimit: 'all', unknownMarkerStatus: 404, reverse: true };
  return { zeroLimit: 'refused', unknownMarkerStatus: 400, reverse: false };
}

/** The `limit` parameter: the merged page's size, at most `max`, which is also the default (and Neutron's `limit=0`); 0 where the service takes it for an empty list. */
export function pageLimit(text: string | null, max: number, semantics: PagingSemantics): number {
  if (text === null) return max;
  const limit = Number(text);
  const least = semantics.zeroLimit === 'refused' ? 1 : 0;
  if (!Number.isInteger(limit) || limit < least) throw new OpenStackError(400, `Invalid limit: ${JSON.stringify(text)} (${least === 0 ? 'a non-negative' : 'a positive'} integer).`);
  return limit === 0 && semantics.zeroLimit === 'all' ? max : Math.min(limit, max);
}

/** Whether the caller asks for the page before its marker (Neutron's `page_reverse=True`, any case). */
export function pageReverse(params: URLSearchParams, semantics: PagingSemantics): boolean {
  return semantics.reverse && (params.get('page_reverse') ?? '').toLowerCase() === 'true';
}

/** A page of the merged list as a query: the caller's filters, order and limit, and the page's marker (none: the first page), read backwards when `reverse`. */
export function pageQuery(filters: [string, string][], params: URLSearchParams, marker?: string, reverse = false): string {
  const kept = [...params].filter(([name]) => SORT_PARAMS.includes(name) || name === 'limit');
  const page: [string, string][] = marker === undefined ? [] : [['marker', marker]];
  return new URLSearchParams([...filters, ...kept, ...page, ...(reverse ? [['page_reverse', 'True'] as [string, string]] : [])]).toString();
}

/** A link to another page of the merged list: `next`, or Neutron's `previous`, with its query. */
export interface PageLink {
  rel: 'next' | 'previous';
  query: string;
}

/** The links to other pages, through this proxy, as the service writes them: Glance's `next`, else `<items>_links`. */
export function pageLinks(call: Call, mount: URL, shape: ListShape, links: readonly PageLink[]): Record<string, unknown> {
  const { request } = call;
  if (links.length === 0) return {};
  if (shape.nextLink === 'glance') return { next: `${request.path}?${links[0].query}` }; // Glance's links are below the endpoint
  return { [`${shape.itemsKey}_links`]: links.map(({ rel, query }) => ({ rel, href: `${mount.href.replace(/\/+$/, '')}${request.path}?${query}` })) };
}
