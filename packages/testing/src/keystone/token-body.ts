import type { Catalog } from './catalog.js';
import { SYSTEM_TARGET, type Directory, type Role } from './directory.js';
import type { TokenRecord } from './tokens.js';

/** A service provider as registered at an IdP. */
export interface RegisteredServiceProvider {
  id: string;
  spUrl: string;
  authUrl: string;
}

/** Keystone's timestamps: microseconds, always zero in Fernet tokens. */
export function keystoneTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, '.000000Z');
}

/**
 * The token JSON exactly as Keystone (Zed) shapes it: catalog only for a scoped token and when
 * wanted, service_providers whenever the IdP has any, OS-FEDERATION for federated users.
 */
export function renderToken(
  token: TokenRecord,
  directory: Directory,
  catalog: Catalog,
  serviceProviders: readonly RegisteredServiceProvider[],
  withCatalog: boolean,
): unknown {
  const user = directory.user({ id: token.userId });
  const userDomain = user && directory.domain({ id: user.domainId });
  const body: Record<string, unknown> = {
    methods: token.methods,
    user: {
      domain: { id: userDomain?.id, name: userDomain?.name },
      id: token.userId,
      name: user?.name,
      ...(token.federation
        ? {
            'OS-FEDERATION': {
              groups: token.federation.groupIds.map((id) => ({ id })),
              identity_provider: { id: token.federation.identityProvider },
              protocol: { id: token.federation.protocol },
            },
          }
        : { password_expires_at: null }),
    },
    audit_ids: token.auditIds,
    expires_at: keystoneTime(token.expiresAt),
    issued_at: keystoneTime(token.issuedAt),
  };
  const groupIds = token.federation?.groupIds ?? [];
  // Keystone renders a federated token's roles as full role records (they come through groups).
  const renderRole = ({ id, name }: Role) => (token.federation ? { id, name, domain_id: null, description: null, options: { immutable: true } } : { id, name });
  if (token.projectId) {
    const project = directory.project({ id: token.projectId });
    const domain = project && directory.domain({ id: project.domainId });
    body.project = { domain: { id: domain?.id, name: domain?.name }, id: project?.id, name: project?.name };
    body.is_domain = false;
    body.roles = directory.rolesOn(token.userId, groupIds, token.projectId).map(renderRole);
    if (withCatalog) body.catalog = catalog.render(token.projectId);
  } else if (token.domainId) {
    const domain = directory.domain({ id: token.domainId });
    body.domain = { id: domain?.id, name: domain?.name };
    body.roles = directory.rolesOn(token.userId, groupIds, token.domainId).map(renderRole);
    if (withCatalog) body.catalog = catalog.render(undefined);
  } else if (token.system) {
    body.system = { all: true };
    body.roles = directory.rolesOn(token.userId, groupIds, SYSTEM_TARGET).map(renderRole);
    if (withCatalog) body.catalog = catalog.render(undefined);
  }
  const credential = token.applicationCredential;
  if (credential) {
    body.application_credential = { id: credential.id, name: credential.name, restricted: true, ...(credential.accessRules && { access_rules: credential.accessRules }) };
  }
  if (serviceProviders.length > 0) {
    body.service_providers = serviceProviders.map((sp) => ({ auth_url: sp.authUrl, id: sp.id, sp_url: sp.spUrl }));
  }
  return { token: body };
}
