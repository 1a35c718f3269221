/**
 * Nova sorts by its database columns but shows items under other names: `sort_key=created_at`
 * orders by what a server shows as `created`, `display_name` by `name`, `uuid` by `id`. The keys
 * left out here are shown under their own name (`key_name`, `progress`, `user_id`, ...).
 */
const NOVA_FIELDS: Readonly<Record<string, string>> = {
  created_at: 'created',
  updated_at: 'updated',
  display_name: 'name',
  display_description: 'description',
  uuid: 'id',
  project_id: 'tenant_id',
  access_ip_v4: 'accessIPv4',
  access_ip_v6: 'accessIPv6',
  availability_zone: 'OS-EXT-AZ:availability_zone',
  launched_at: 'OS-SRV-USG:launched_at',
  terminated_at: 'OS-SRV-USG:terminated_at',
  power_state: 'OS-EXT-STS:power_state',
  task_state: 'OS-EXT-STS:task_state',
  vm_state: 'OS-EXT-STS:vm_state',
};

/**
 * Cinder sorts by its database columns too: `display_name` (and `name`, which it maps to it) orders
 * by what an item shows as `name`, `display_description` by `description`.
 */
const CINDER_FIELDS: Readonly<Record<string, string>> = {
  display_name: 'name',
  display_description: 'description',
};

const FIELDS_BY_SERVICE: Readonly<Record<string, Readonly<Record<string, string>>>> = { compute: NOVA_FIELDS, 'block-storage': CINDER_FIELDS };

/** The field of a listed item that a service's sort key orders by. */
export function sortField(serviceType: string, key: string): string {
  return FIELDS_BY_SERVICE[serviceType]?.[key] ?? key;
}

/**
 * The sort key that ends every order, so no two items tie: the items' id. Nova takes no `id` sort
 * key (it ignores it, or refuses it from microversion 2.75): it sorts by the same id as `uuid`.
 */
export function idSortKey(serviceType: string): string {
  return serviceType === 'compute' ? 'uuid' : 'id';
}
