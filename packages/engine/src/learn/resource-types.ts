import { normalizeResourceId } from '@k2k/store';

/**
 * The resource types learned and searched by default, per official service type: OpenStack's own.
 * Cinder's `attachments` too: the one Nova creates for a volume it attaches (through this proxy,
 * where the volume is: rule 2.5) is learned, so Nova's update and completion of it follow it there.
 */
export const DEFAULT_RESOURCE_TYPES: Readonly<Record<string, readonly string[]>> = {
  'block-storage': ['volumes', 'snapshots', 'backups', 'groups', 'group_snapshots', 'attachments'],
  image: ['images'],
  compute: ['servers'],
  network: ['networks', 'subnets', 'ports', 'routers', 'floatingips', 'security-groups'],
  'shared-file-system': ['shares', 'snapshots', 'share-networks'],
};

/** The resource types whose lists are merged across clouds by default, per official service type. */
export const DEFAULT_AGGREGATED_TYPES: Readonly<Record<string, readonly string[]>> = {
  'block-storage': ['volumes', 'snapshots', 'backups'],
  image: ['images'],
  compute: ['servers'],
  network: ['networks', 'subnets', 'ports', 'routers', 'floatingips', 'security-groups'],
};

type JsonObject = Record<string, unknown>;

/** The resource types whose service answers one of them bare, not under its singular name: Glance's images. */
const ANSWERED_BARE: ReadonlySet<string> = new Set(['images']);

/**
 * The resource types of one service whose locations are learned and searched, and where their ids
 * sit in answers: a create answers the new object under its singular name (Cinder's
 * `{"volume": {...}}`, Nova's `server`, Neutron's `network`) or bare (Glance); a list answers the
 * items under the plural (`volumes`, `images`, `security_groups`); a show answers the object as a
 * create does.
 */
export class ResourceTypes {
  private readonly types: ReadonlySet<string>;

  constructor(types: readonly string[]) {
    this.types = new Set(types);
  }

  has(resourceType: string | undefined): resourceType is string {
    return resourceType !== undefined && this.types.has(resourceType);
  }

  /** The object a create sent or answered: under its singular name, else the body itself. */
  createdObject(body: unknown, resourceType: string): JsonObject | undefined {
    if (!isObject(body)) return undefined;
    const wrapped = body[singular(resourceType)];
    return isObject(wrapped) ? wrapped : body;
  }

  createdId(body: unknown, resourceType: string): string | undefined {
    const id = this.createdObject(body, resourceType)?.id;
    return typeof id === 'string' && id !== '' ? id : undefined;
  }

  /** The ids a create answered: its one object's, or each of a bulk create's (Neutron's `{"networks": [...]}`), at most `limit`. */
  createdIds(body: unknown, resourceType: string, limit: number): string[] {
    const bulk = isObject(body) && Array.isArray(body[resourceType.replace(/-/g, '_')]);
    if (bulk) return this.listedIds(body, resourceType, limit);
    const id = this.createdId(body, resourceType);
    return id === undefined ? [] : [id];
  }

  /**
   * Whether a show's answer describes the resource asked for, in its service's own shape: the
   * object under its singular name (Cinder's `{"volume": {"id": ...}}`, Nova's `server`, Neutron's
   * `network`, `floatingip`, `security_group`...), or bare for Glance's image, with the id asked
   * for (compared as the store compares ids). Rule 2.4: any other answer found nothing.
   */
  describes(body: unknown, resourceType: string, id: string): boolean {
    if (!isObject(body)) return false;
    const wrapped = body[singular(resourceType)];
    const object = isObject(wrapped) ? wrapped : ANSWERED_BARE.has(resourceType) ? body : undefined;
    return typeof object?.id === 'string' && normalizeResourceId(object.id) === normalizeResourceId(id);
  }

  /** The ids of a list answer's items, at most `limit`. */
  listedIds(body: unknown, resourceType: string, limit: number): string[] {
    const items = isObject(body) ? body[resourceType.replace(/-/g, '_')] : undefined;
    if (!Array.isArray(items)) return [];
    const ids: string[] = [];
    for (const item of items.slice(0, limit)) if (isObject(item) && typeof item.id === 'string' && item.id !== '') ids.push(item.id);
    return ids;
  }
}

/** A resource type's singular, as its service names one: 'volumes' -> 'volume', 'security-groups' -> 'security_group'. */
export function singular(resourceType: string): string {
  return resourceType.replace(/-/g, '_').replace(/s$/, '');
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
