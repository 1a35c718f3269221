/** Where a service's list puts its items, its next link, and what a summary item keeps. */
export interface ListShape {
  /** The items' key: 'volumes', 'images', 'security_groups' */
  itemsKey: string;
  /** Glance gives `next` (a path below its root); the others `<items>_links` with rel 'next' */
  nextLink: 'glance' | 'links';
  /** For a summary list whose detail twin the merge reads (to sort by what only the detail has): the fields a summary item keeps */
  summaryFields?: readonly string[];
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
  };
}
