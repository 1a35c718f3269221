import type { IncomingMessage } from 'node:http';
import { officialServiceType } from '@k2k/keystone';
import { OpenStackError } from '@k2k/common';

/** Mount paths that name a service by what it is called in URLs rather than by its type. */
const MOUNT_NAMES: Readonly<Record<string, string>> = { volume: 'block-storage', 'block-storage': 'block-storage', image: 'image', compute: 'compute', network: 'network', share: 'shared-file-system' };
/** The service a resource type belongs to, for a request the mount does not tell. */
const BY_RESOURCE_TYPE: Readonly<Record<string, string>> = {
  volumes: 'block-storage',
  backups: 'block-storage',
  snapshots: 'block-storage',
  images: 'image',
  servers: 'compute',
  flavors: 'compute',
  networks: 'network',
  subnets: 'network',
  ports: 'network',
  routers: 'network',
  floatingips: 'network',
  'security-groups': 'network',
};
const KNOWN_TYPES = new Set(['block-storage', 'image', 'compute', 'network', 'shared-file-system', 'object-store', 'load-balancer', 'dns', 'key-manager', 'orchestration', 'placement', 'baremetal']);

/**
 * The service a request is for, when k2kForward was given no `serviceType`: the last segment of
 * the mount path (`/volume`, `/volumev3`, `/image`, `/compute`, `/network`, and the
 * service-types authority's names and aliases), else the resource type the path names (`volumes`,
 * `images`, `servers`, `networks`...). Neither: 400 naming what to configure. (`snapshots` is
 * Cinder's here; a Manila mount is found by its path.)
 */
export function inferServiceType(req: IncomingMessage, resourceType: string | undefined): string {
  const mount = (req as IncomingMessage & { baseUrl?: unknown }).baseUrl;
  const last = typeof mount === 'string' ? mount.split('/').filter(Boolean).pop() : undefined;
  if (last) {
    const named = MOUNT_NAMES[last] ?? officialServiceType(last);
    if (MOUNT_NAMES[last] || KNOWN_TYPES.has(named)) return named;
  }
  const byResource = resourceType && BY_RESOURCE_TYPE[resourceType];
  if (byResource) return byResource;
  throw new OpenStackError(400, `k2kForward cannot tell which service ${mount ? `the mount ${String(mount)}` : 'this path'} is for: mount it at /volume, /image, /compute or /network, or give it serviceType.`);
}
