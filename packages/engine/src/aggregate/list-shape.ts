/** Where a service's list puts its items, its next link, and what a summary item keeps. */
export interface ListShape {
  /** The items' key: 'volumes', 'images', 'security_groups' */
  itemsKey: string;
  /** Glance gives `next` (a path below its root); the others `<items>_links` with rel 'next' */
  nextLink: 'glance' | 'links';
  /** For a summary list whose detail twin the merge reads (to sort by what only the detail has): the fields a summary item keeps */
  summaryFields?: readonly string[];
  /** Neutron's lists answer only the `fields` asked for, when asked */
  selectsFields: boolean;
}

/** Summary lists that show only id, name and links: Cinder's volumes and backups, Nova's servers. */
const SUMMARY_ONLY: Readonly<Record<string, readonly string[]>> = {
  'block-storage/volumes': ['id', 'name', 'links'],
  'block-storage/backups': ['id', 'name', 'links'],
  'compute/servers': ['id', 'name', 'links'],
};

export function listShape(serviceType: string, resourceType: string, detail: boolean): ListShape {
  const summaryFields = detail ? undefined : SUMMARY_ONLY[`${serviceType}/${resourceType}`];
  return {
    itemsKey: resourceType.replace(/-/g, '_'),
    nextLink: serviceType === 'image' ? 'glance' : 'links',
    ...(summaryFields && { summaryFields }),
    selectsFields: serviceType === 'network',
  };
}

/**
 * The fields each item of the merged list shows (undefined: all) and the filters sent to each
 * cloud: a Neutron list asked for some `fields` is asked for the id and the fields the merge
 * orders by too, which the merged list then leaves out again, as Neutron does for its own paging.
 */
export function fieldSelection(shape: ListShape, filters: readonly [string, string][], orderFields: readonly string[]): { shown?: readonly string[]; sent: [string, string][] } {
  const asked = shape.selectsFields ? filters.filter(([name, value]) => name === 'fields' && value !== '').map(([, value]) => value) : [];
  if (asked.length === 0) return { ...(shape.summaryFields && { shown: shape.summaryFields }), sent: [...filters] };
  const added = [...new Set(['id', ...orderFields])].filter((field) => !asked.includes(field));
  return { shown: asked, sent: [...filters, ...added.map((field): [string, string] => ['fields', field])] };
}
