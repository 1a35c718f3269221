import type { KeystoneClient } from './client.js';
import type { ServiceCredentials } from './service-credentials.js';
import type { Token } from './token.js';

/**
 * A token for configured credentials: a password, scoped to its project, or an application
 * credential (scoped to its own project already: Keystone refuses a scope with it). Domains
 * default to Default. What keystoneAuth's service user and a gateway's admin users log in with.
 */
export function logIn(keystone: KeystoneClient, c: ServiceCredentials): Promise<Token> {
  const domain = (id?: string, name?: string) => (id !== undefined ? { id } : { name: name ?? 'Default' });
  if ('applicationCredentialSecret' in c) {
    const secret = c.applicationCredentialSecret;
    return keystone.authenticate({
      applicationCredential: c.applicationCredentialId !== undefined
        ? { id: c.applicationCredentialId, secret }
        : { name: c.applicationCredentialName ?? '', secret, user: { name: c.username ?? '', domain: domain(c.userDomainId, c.userDomainName) } },
    });
  }
  return keystone.authenticate(
    { user: { name: c.username, domain: domain(c.userDomainId, c.userDomainName) }, password: c.password },
    { project: { name: c.projectName, domain: domain(c.projectDomainId, c.projectDomainName) } },
  );
}
