import type { CloudCursor, PageState } from './page-marker.js';
import { compareValues, sortValues, type SortOrder } from './sort-order.js';

type Item = Record<string, unknown>;

/** What one cloud gave for a page: items in the list's order, after its cursor. */
export interface CloudItems {
  cloud: string;
  items: Item[];
  /** The cloud has nothing after these */
  exhausted: boolean;
}

export interface MergedPage {
  items: { cloud: string; item: Item }[];
  /** Where each cloud stands after this page */
  state: PageState;
  /** Some cloud has items after this page */
  more: boolean;
}

/**
 * Merges the clouds' pages into one page of at most `limit` items in the list's order. Each cloud
 * gave its first `limit` items after its cursor, so the first `limit` of them all are the merged
 * list's next `limit`: a page costs O(clouds x limit), however deep it is. A cloud's cursor moves
 * to its last item on this page; one whose items were all taken and that has no more is done.
 */
export function mergePage(clouds: readonly CloudItems[], previous: PageState, order: SortOrder, limit: number): MergedPage {
  const all = clouds.flatMap(({ cloud, items }) => items.map((item) => ({ cloud, item, values: sortValues(item, order) })));
  all.sort((a, b) => compareValues(a.values, b.values, order));
  const page = all.slice(0, limit);
  const state: PageState = { ...previous };
  let more = false;
  for (const { cloud, items, exhausted } of clouds) {
    const taken = page.filter((entry) => entry.cloud === cloud);
    const last = taken[taken.length - 1];
    const cursor: CloudCursor = last ? { after: { id: String(last.item.id), values: last.values } } : (previous[cloud] ?? {});
    if (exhausted && taken.length === items.length) state[cloud] = { done: true };
    else {
      state[cloud] = cursor;
      more = true;
    }
  }
  return { items: page.map(({ cloud, item }) => ({ cloud, item })), state, more };
}

/**
 * Where each cloud starts for the page before this one, read in the opposite order (Neutron's
 * `previous` link, or `next` from a reverse page): at the first item read from it for this page
 * (everything of that cloud before that item lies before the page), from its start when it had
 * nothing after its cursor (or was done), and, for a cloud that failed, at the page's first item's
 * place, found by scanning.
 */
export function stateBefore(clouds: readonly string[], read: ReadonlyMap<string, readonly Item[]>, failed: ReadonlySet<string>, first: Item, order: SortOrder): PageState {
  const at = (item: Item) => ({ id: String(item.id), values: sortValues(item, order) });
  return Object.fromEntries(
    clouds.map((cloud): [string, CloudCursor] => {
      if (failed.has(cloud)) return [cloud, { after: at(first), scan: true }];
      const items = read.get(cloud) ?? [];
      return [cloud, items.length > 0 ? { after: at(items[0]) } : {}];
    }),
  );
}
