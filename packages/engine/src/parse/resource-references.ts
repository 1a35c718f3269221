import type { ApiRequest } from './parse-request.js';

/** A resource a request names in its body, besides the one its path names (DESIGN "Compute and network"). */
export interface ResourceReference {
  /** The official service type that holds it: 'image', 'block-storage', 'network', 'compute' */
  serviceType: string;
  resourceType: string;
  id: string;
  /** Where the body names it, for the caller: 'server.imageRef', 'volumeAttachment.volumeId' */
  field: string;
  /**
   * Storage the request may use from another cloud when the two clouds share storage
   * (sharedStorage): a volume attached to a server, a server a volume is attached to
   */
  shareable: boolean;
}

type JsonObject = Record<string, unknown>;
/** Which service holds what a field names, and whether it is shareable storage. */
type Names = readonly [serviceType: string, resourceType: string, shareable?: 'shareable'];
/** The references in the object a request sends (under its wrapper key). */
type Refer = (sent: JsonObject, wrapper: string) => ResourceReference[];

/** One request shape that names other resources: a POST on a collection (a create) or on a resource's sub-collection. */
interface Shape {
  resourceType: string;
  /** The sub-collection below the resource ('os-volume_attachments'); absent: a create on the collection */
  below?: string;
  /** The key the body wraps the object in: 'server', 'volumeAttachment' */
  wrapper: string;
  refer: Refer;
}

const IMAGE: Names = ['image', 'images'];
const VOLUME: Names = ['block-storage', 'volumes'];
const SNAPSHOT: Names = ['block-storage', 'snapshots'];
const NETWORK: Names = ['network', 'networks'];
const PORT: Names = ['network', 'ports'];
/** The same, as storage another cloud may share */
const shared = ([serviceType, resourceType]: Names): Names => [serviceType, resourceType, 'shareable'];

/** The references of plain fields of the sent object: `field -> what it names`. */
const fields =
  (named: Readonly<Record<string, Names>>): Refer =>
  (sent, wrapper) =>
    Object.entries(named).flatMap(([field, names]) => reference(sent[field], names, `${wrapper}.${field}`));

/**
 * Nova's server create: its image, the images, volumes and snapshots of `block_device_mapping_v2`
 * (by `source_type`; a volume or snapshot it boots from is storage another cloud may share), and
 * the networks and ports of `networks` (which may also be the string 'auto' or 'none').
 */
const serverCreate: Refer = (server, wrapper) => {
  const mappings = Array.isArray(server.block_device_mapping_v2) ? server.block_device_mapping_v2 : [];
  const networks = Array.isArray(server.networks) ? server.networks : [];
  const bySource: Readonly<Record<string, Names>> = { image: IMAGE, volume: shared(VOLUME), snapshot: shared(SNAPSHOT) };
  return [
    ...reference(server.imageRef, IMAGE, `${wrapper}.imageRef`),
    ...mappings.flatMap((mapping: unknown, i) => {
      const source = isObject(mapping) && typeof mapping.source_type === 'string' ? bySource[mapping.source_type] : undefined;
      return source && isObject(mapping) ? reference(mapping.uuid, source, `${wrapper}.block_device_mapping_v2[${i}].uuid`) : [];
    }),
    ...networks.flatMap((network: unknown, i) =>
      isObject(network) ? [...reference(network.uuid, NETWORK, `${wrapper}.networks[${i}].uuid`), ...reference(network.port, PORT, `${wrapper}.networks[${i}].port`)] : [],
    ),
  ];
};

/** Per official service type, the requests that name other resources. */
const SHAPES: Readonly<Record<string, readonly Shape[]>> = {
  compute: [
    { resourceType: 'servers', wrapper: 'server', refer: serverCreate },
    // The server (the path's) decides; the volume may be another cloud's shared storage.
    { resourceType: 'servers', below: 'os-volume_attachments', wrapper: 'volumeAttachment', refer: fields({ volumeId: shared(VOLUME) }) },
    { resourceType: 'servers', below: 'os-interface', wrapper: 'interfaceAttachment', refer: fields({ port_id: PORT, net_id: NETWORK }) },
  ],
  'block-storage': [
    { resourceType: 'volumes', wrapper: 'volume', refer: fields({ imageRef: IMAGE, snapshot_id: SNAPSHOT, source_volid: VOLUME, backup_id: ['block-storage', 'backups'] }) },
    { resourceType: 'snapshots', wrapper: 'snapshot', refer: fields({ volume_id: VOLUME }) },
    { resourceType: 'backups', wrapper: 'backup', refer: fields({ volume_id: VOLUME }) },
    // What Nova asks of Cinder to attach a volume (microversion 3.27+): the volume decides, the server may be another cloud's.
    { resourceType: 'attachments', wrapper: 'attachment', refer: fields({ volume_uuid: VOLUME, instance_uuid: shared(['compute', 'servers']) }) },
  ],
  network: [
    { resourceType: 'ports', wrapper: 'port', refer: fields({ network_id: NETWORK }) },
    { resourceType: 'subnets', wrapper: 'subnet', refer: fields({ network_id: NETWORK }) },
  ],
};

/** Whether a request of `serviceType` may name other resources in its body (so routing reads the body). */
export function mayReference(serviceType: string, request: ApiRequest): boolean {
  return shapeOf(serviceType, request) !== undefined;
}

/**
 * The other resources a request names in its JSON body: a server create's image, volumes,
 * networks and ports; a volume or interface attachment's volume or port; a volume create's image,
 * snapshot, source volume or backup; a snapshot or backup's volume; a Cinder attachment's volume
 * and server; a port or subnet's network. None for any other request.
 */
export function resourceReferences(serviceType: string, request: ApiRequest, body: unknown): ResourceReference[] {
  const shape = shapeOf(serviceType, request);
  const sent = shape && isObject(body) ? body[shape.wrapper] : undefined;
  return shape && isObject(sent) ? shape.refer(sent, shape.wrapper) : [];
}

function shapeOf(serviceType: string, request: ApiRequest): Shape | undefined {
  const { method, resourceType, resourceId, action, rest } = request;
  if (method !== 'POST' || !resourceType) return undefined;
  return SHAPES[serviceType]?.find((shape) => {
    if (shape.resourceType !== resourceType) return false;
    return shape.below === undefined ? resourceId === undefined && rest === `/${resourceType}` : resourceId !== undefined && action === shape.below;
  });
}

function reference(id: unknown, [serviceType, resourceType, shareable]: Names, field: string): ResourceReference[] {
  return typeof id === 'string' && id !== '' ? [{ serviceType, resourceType, id, field, shareable: shareable === 'shareable' }] : [];
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
