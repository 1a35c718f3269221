import type { KeystoneIdentity } from '@k2k/common';
import type { KeystoneClient } from './client.js';
import type { Token } from './token.js';

declare module '@k2k/common' {
  interface KeystoneContext {
    /** The authenticating middleware's client for authUrl, whose connections k2kForward shares when it takes authUrl from here; absent: k2kForward makes its own */
    readonly keystone?: KeystoneClient;
  }
}

/** The identity (`req.keystone`, defined in @k2k/common) a validated token gives. */
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
