import type { CatalogEntry, NamedRef, ScopedProject, ServiceProvider, Token } from '@k2k/keystone';

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
  };
}

export function serviceIdentityOf(identity: KeystoneIdentity): ServiceIdentity {
  return { user: identity.user, ...(identity.project && { project: identity.project }), roles: identity.roles };
}
