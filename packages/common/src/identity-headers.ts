/**
 * The headers keystonemiddleware's auth_token sets for the service behind it. Downstream code
 * trusts them, so every incoming value is removed before they are set from Keystone's answer.
 */
const USER_HEADERS = [
  'x-identity-status',
  'x-user-id',
  'x-user-name',
  'x-user-domain-id',
  'x-user-domain-name',
  'x-project-id',
  'x-project-name',
  'x-project-domain-id',
  'x-project-domain-name',
  'x-domain-id',
  'x-domain-name',
  'x-roles',
  'x-is-admin-project',
  'x-service-catalog',
  // Set for a system-scoped token; oslo.context reads it as the request's system scope.
  'openstack-system-scope',
  // Deprecated names some services still read: never let a caller set them either.
  'x-tenant-id',
  'x-tenant-name',
  'x-tenant',
  'x-user',
  'x-role',
];
const SERVICE_HEADERS = [
  'x-service-identity-status',
  'x-service-user-id',
  'x-service-user-name',
  'x-service-user-domain-id',
  'x-service-user-domain-name',
  'x-service-project-id',
  'x-service-project-name',
  'x-service-project-domain-id',
  'x-service-project-domain-name',
  'x-service-roles',
];

/** Every identity header (lower case): none may come from a caller, none leaves for another cloud. */
export const IDENTITY_HEADERS: readonly string[] = [...USER_HEADERS, ...SERVICE_HEADERS];
