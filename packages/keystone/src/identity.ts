import type { Logger } from '@k2k/common';
import type { CatalogEntry } from './catalog.js';
import type { KeystoneClient } from './client.js';
import type { AccessRule, NamedRef, ScopedProject, ServiceProvider, Token } from './token.js';

/**
 * The identity contract between the middleware that authenticates a request (keystoneAuth, or
 * KeystoneStrategy) and those after it (k2kForward): who the caller is, in `req.keystone`, and
 * the headers that carry it to the service behind, as keystonemiddleware's auth_token sets them.
 */
declare module 'http' {
  interface IncomingMessage {
    /** The caller's identity, set by keystoneAuth or KeystoneStrategy once Keystone confirmed it */
    keystone?: KeystoneIdentity;
    /** Where that identity came from, set by keystoneAuth or KeystoneStrategy on every request they see */
    keystoneContext?: KeystoneContext;
  }
}

/**
 * What the authenticating middleware was configured with, for the middlewares after it: so that
 * `k2kForward()` needs no options of its own.
 */
export interface KeystoneContext {
  /** The local Keystone's v3 URL: the identity provider */
  readonly authUrl: string;
  /** Its client for authUrl, whose connections k2kForward shares when it takes authUrl from here; absent: k2kForward makes its own */
  readonly keystone?: KeystoneClient;
  /** The store it caches in (a @k2k/store Store: typed loosely here, so the protocol client does not depend on the store) */
  readonly store: object;
  readonly logger: Logger;
  /** The CAs it trusts for authUrl (its `ca` option, PEM texts); absent: Node's default CAs */
  readonly ca?: readonly string[];
  /** The service user's own project-scoped token at authUrl (k2kForward's reseller identity); never sent anywhere but authUrl's K2K */
  readonly serviceToken?: () => Promise<string>;
}

/** Who made the request, as Keystone confirmed it. The token itself is never part of it. */
export interface KeystoneIdentity {
  user: NamedRef & { domain: NamedRef };
  /** Set for a project-scoped token */
  project?: ScopedProject;
  /** Set for a domain-scoped token */
  domain?: NamedRef;
  /** True for a system-scoped token (sets `OpenStack-System-Scope: all`) */
  system?: boolean;
  /** Role names, implied roles included */
  roles: string[];
  isAdminProject: boolean;
  /** The token's catalog (empty when validated without one) */
  catalog: CatalogEntry[];
  /** The service providers the IdP federates with (K2K) */
  serviceProviders: ServiceProvider[];
  expiresAt: string;
  auditIds: string[];
  /** Set when a valid X-Service-Token came with the request */
  service?: ServiceIdentity;
  /** Set for a token of an application credential with access rules: the only calls it may make */
  accessRules?: AccessRule[];
}

/** The service that sent the request on the user's behalf (X-Service-Token). */
export interface ServiceIdentity {
  user: NamedRef & { domain: NamedRef };
  project?: ScopedProject;
  roles: string[];
}

export function identityOf(token: Token): KeystoneIdentity {
  return {
    user: token.user.federation ? { id: token.user.id, name: token.user.name, domain: token.user.domain } : token.user,
    ...(token.project && { project: token.project }),
    ...(token.domain && { domain: token.domain }),
    ...(token.system && { system: true }),
    roles: token.roles.map((role) => role.name),
    // Keystone omits is_admin_project when no admin project is configured: every project counts then.
    isAdminProject: token.isAdminProject ?? true,
    catalog: token.catalog,
    serviceProviders: token.serviceProviders,
    expiresAt: token.expiresAt,
    auditIds: token.auditIds,
    ...(token.applicationCredential?.accessRules && { accessRules: token.applicationCredential.accessRules }),
  };
}

export function serviceIdentityOf(identity: KeystoneIdentity): ServiceIdentity {
  return { user: identity.user, ...(identity.project && { project: identity.project }), roles: identity.roles };
}

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
