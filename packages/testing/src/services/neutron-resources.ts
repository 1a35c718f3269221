import { randomBytes, randomUUID } from 'node:crypto';

/** A Neutron resource as the fake keeps and shows it: its attributes by their API names. */
export type NeutronRecord = Record<string, unknown> & { id: string; project_id: string };

/** What makes a create's attributes: the request's, checked, with Neutron's defaults filled in. */
export interface CreateContext {
  projectId: string;
  /** The attributes sent, already checked against `postable` */
  body: Record<string, unknown>;
  /** A stored resource by collection and id, when the caller may see it */
  find(collection: string, id: string): NeutronRecord | undefined;
}

/** A refusal in Neutron's terms: `{"NeutronError": {"type", "message", "detail"}}` with its status. */
export class NeutronFault extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** One Neutron collection: its URL and JSON names, the attributes its API takes, and how a create fills it. */
export interface NeutronResource {
  /** In the URL: 'networks', 'security-groups' */
  collection: string;
  /** The JSON key of one: 'network', 'security_group' */
  singular: string;
  /** The JSON key of a list: 'networks', 'security_groups' */
  plural: string;
  /** The exception Neutron names for an unknown id, and its message */
  notFound(id: string): NeutronFault;
  /** Attributes `sort_key` takes (is_sort_key in Neutron's attribute maps) */
  sortable: readonly string[];
  /** Attributes a list is filtered by (is_filter, with the standard attributes') */
  filterable: readonly string[];
  /** Attributes a create takes, beside the standard `name`, `description`, `tenant_id`/`project_id` */
  postable: readonly string[];
  /** Attributes an update takes */
  updatable: readonly string[];
  /** The resource's own attributes for a create (the standard ones are added around them) */
  create(context: CreateContext): Record<string, unknown>;
}

const STANDARD_FILTERS = ['id', 'name', 'tenant_id', 'project_id', 'description', 'revision_number'];
const STANDARD_SORT = ['id', 'name', 'tenant_id', 'project_id'];

const notFound =
  (type: string, text: (id: string) => string) =>
  (id: string): NeutronFault =>
    new NeutronFault(404, type, text(id));

export const NETWORKS: NeutronResource = {
  collection: 'networks',
  singular: 'network',
  plural: 'networks',
  notFound: notFound('NetworkNotFound', (id) => `Network ${id} could not be found.`),
  sortable: [...STANDARD_SORT, 'admin_state_up', 'status', 'mtu'],
  filterable: [...STANDARD_FILTERS, 'admin_state_up', 'status', 'shared', 'router:external', 'mtu'],
  postable: ['admin_state_up', 'shared', 'router:external', 'mtu', 'port_security_enabled'],
  updatable: ['name', 'description', 'admin_state_up', 'shared', 'router:external', 'mtu', 'port_security_enabled'],
  create: ({ body }) => ({
    admin_state_up: body.admin_state_up ?? true,
    status: 'ACTIVE',
    subnets: [],
    shared: body.shared ?? false,
    'router:external': body['router:external'] ?? false,
    mtu: body.mtu ?? 1500,
    port_security_enabled: body.port_security_enabled ?? true,
    availability_zone_hints: [],
    availability_zones: [],
    ipv4_address_scope: null,
    ipv6_address_scope: null,
  }),
};

export const SUBNETS: NeutronResource = {
  collection: 'subnets',
  singular: 'subnet',
  plural: 'subnets',
  notFound: notFound('SubnetNotFound', (id) => `Subnet ${id} could not be found.`),
  sortable: [...STANDARD_SORT, 'ip_version', 'network_id', 'cidr', 'gateway_ip', 'enable_dhcp'],
  filterable: [...STANDARD_FILTERS, 'ip_version', 'network_id', 'cidr', 'gateway_ip', 'enable_dhcp'],
  postable: ['network_id', 'ip_version', 'cidr', 'gateway_ip', 'enable_dhcp', 'dns_nameservers', 'allocation_pools', 'host_routes'],
  updatable: ['name', 'description', 'gateway_ip', 'enable_dhcp', 'dns_nameservers', 'allocation_pools', 'host_routes'],
  create: ({ body, find }) => {
    const network = requiredNetwork(body.network_id, find);
    for (const attr of ['ip_version', 'cidr']) if (body[attr] === undefined) throw requiredAttribute(attr);
    const cidr = ipv4Cidr(body.cidr);
    return {
      network_id: network.id,
      ip_version: body.ip_version,
      cidr: body.cidr,
      gateway_ip: body.gateway_ip ?? (cidr ? address(cidr.base + 1) : null),
      allocation_pools: body.allocation_pools ?? (cidr ? [{ start: address(cidr.base + 2), end: address(cidr.base + cidr.size - 2) }] : []),
      enable_dhcp: body.enable_dhcp ?? true,
      dns_nameservers: body.dns_nameservers ?? [],
      host_routes: body.host_routes ?? [],
      ipv6_ra_mode: null,
      ipv6_address_mode: null,
      subnetpool_id: null,
      service_types: [],
    };
  },
};

export const PORTS: NeutronResource = {
  collection: 'ports',
  singular: 'port',
  plural: 'ports',
  notFound: notFound('PortNotFound', (id) => `Port ${id} could not be found.`),
  sortable: [...STANDARD_SORT, 'network_id', 'admin_state_up', 'mac_address', 'device_id', 'device_owner', 'status'],
  filterable: [...STANDARD_FILTERS, 'network_id', 'admin_state_up', 'mac_address', 'device_id', 'device_owner', 'status'],
  postable: ['network_id', 'admin_state_up', 'mac_address', 'fixed_ips', 'device_id', 'device_owner', 'security_groups'],
  updatable: ['name', 'description', 'admin_state_up', 'mac_address', 'fixed_ips', 'device_id', 'device_owner', 'security_groups'],
  create: ({ body, find }) => {
    const network = requiredNetwork(body.network_id, find);
    return {
      network_id: network.id,
      admin_state_up: body.admin_state_up ?? true,
      mac_address: body.mac_address ?? `fa:16:3e:${[...randomBytes(3)].map((b) => b.toString(16).padStart(2, '0')).join(':')}`,
      fixed_ips: body.fixed_ips ?? [],
      device_id: body.device_id ?? '',
      device_owner: body.device_owner ?? '',
      status: 'DOWN',
      security_groups: body.security_groups ?? [],
      allowed_address_pairs: [],
      extra_dhcp_opts: [],
      port_security_enabled: network.port_security_enabled ?? true,
      binding_vnic_type: 'normal',
    };
  },
};

export const ROUTERS: NeutronResource = {
  collection: 'routers',
  singular: 'router',
  plural: 'routers',
  notFound: notFound('RouterNotFound', (id) => `Router ${id} could not be found`),
  sortable: [...STANDARD_SORT, 'admin_state_up', 'status'],
  filterable: [...STANDARD_FILTERS, 'admin_state_up'],
  postable: ['admin_state_up', 'external_gateway_info'],
  updatable: ['name', 'description', 'admin_state_up', 'external_gateway_info', 'routes'],
  create: ({ body }) => ({
    admin_state_up: body.admin_state_up ?? true,
    status: 'ACTIVE',
    external_gateway_info: body.external_gateway_info ?? null,
    routes: [],
    availability_zone_hints: [],
    availability_zones: [],
  }),
};

export const SECURITY_GROUPS: NeutronResource = {
  collection: 'security-groups',
  singular: 'security_group',
  plural: 'security_groups',
  notFound: notFound('SecurityGroupNotFound', (id) => `Security group ${id} does not exist`),
  sortable: STANDARD_SORT,
  filterable: STANDARD_FILTERS,
  postable: ['stateful'],
  updatable: ['name', 'description', 'stateful'],
  create: ({ body, projectId }) => {
    const id = randomUUID();
    // Neutron gives every new group its two egress rules (IPv4 and IPv6, any protocol).
    const rules = ['IPv4', 'IPv6'].map((ethertype) => ({
      id: randomUUID(),
      security_group_id: id,
      direction: 'egress',
      ethertype,
      protocol: null,
      port_range_min: null,
      port_range_max: null,
      remote_ip_prefix: null,
      remote_group_id: null,
      tenant_id: projectId,
      project_id: projectId,
    }));
    return { id, stateful: body.stateful ?? true, security_group_rules: rules };
  },
};

export const FLOATING_IPS: NeutronResource = {
  collection: 'floatingips',
  singular: 'floatingip',
  plural: 'floatingips',
  notFound: notFound('FloatingIPNotFound', (id) => `Floating IP ${id} could not be found`),
  sortable: ['id', 'tenant_id', 'project_id', 'floating_ip_address', 'floating_network_id', 'router_id', 'fixed_ip_address', 'status'],
  filterable: ['id', 'tenant_id', 'project_id', 'description', 'revision_number', 'floating_ip_address', 'floating_network_id', 'router_id', 'port_id', 'fixed_ip_address', 'status'],
  postable: ['floating_network_id', 'floating_ip_address', 'subnet_id', 'port_id', 'fixed_ip_address'],
  updatable: ['description', 'port_id', 'fixed_ip_address'],
  create: ({ body, find }) => {
    const network = requiredNetwork(body.floating_network_id, find, 'floating_network_id');
    if (network['router:external'] !== true) throw new NeutronFault(400, 'BadRequest', `Bad floatingip request: Network ${network.id} is not a valid external network.`);
    const subnet = (network.subnets as string[]).map((id) => find('subnets', id)).find((s) => s !== undefined);
    const cidr = subnet && ipv4Cidr(subnet.cidr);
    if (!cidr) throw new NeutronFault(400, 'BadRequest', `Bad floatingip request: Network ${network.id} has no IPv4 subnet to allocate from.`);
    return {
      floating_network_id: network.id,
      floating_ip_address: body.floating_ip_address ?? address(cidr.base + 2 + Math.floor(Math.random() * (cidr.size - 4))),
      port_id: body.port_id ?? null,
      fixed_ip_address: body.fixed_ip_address ?? null,
      router_id: null,
      status: 'DOWN',
      port_details: null,
    };
  },
};

/** The collections the fake Neutron serves, by their URL name. */
export const NEUTRON_RESOURCES: readonly NeutronResource[] = [NETWORKS, SUBNETS, PORTS, ROUTERS, SECURITY_GROUPS, FLOATING_IPS];

function requiredNetwork(id: unknown, find: CreateContext['find'], attr = 'network_id'): NeutronRecord {
  if (id === undefined) throw requiredAttribute(attr);
  const network = typeof id === 'string' ? find('networks', id) : undefined;
  if (!network) throw NETWORKS.notFound(String(id));
  return network;
}

function requiredAttribute(attr: string): NeutronFault {
  return new NeutronFault(400, 'HTTPBadRequest', `Failed to parse request. Required attribute '${attr}' not specified`);
}

/** An IPv4 CIDR's first address (as a number) and size; undefined for anything else (IPv6 is kept, not allocated from). */
function ipv4Cidr(cidr: unknown): { base: number; size: number } | undefined {
  const match = typeof cidr === 'string' ? /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr) : null;
  if (!match) return undefined;
  const prefix = Number(match[5]);
  if (prefix < 8 || prefix > 30) return undefined;
  const base = match.slice(1, 5).reduce((sum, octet) => sum * 256 + Number(octet), 0);
  const size = 2 ** (32 - prefix);
  return { base: base - (base % size), size };
}

function address(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}
