/** A domain by id or by name. */
export type DomainRef = { id: string } | { name: string };

/** A project by id, or by name within a domain. */
export type ProjectRef = { id: string } | { name: string; domain: DomainRef };

/** What a token is scoped to; absent means unscoped. */
export type Scope = { project: ProjectRef } | { domain: DomainRef } | { system: 'all' };

/** How to authenticate: a user's password, an application credential (scoped already: no scope with it), or an existing token (to rescope it). */
export type Credentials =
  | { user: { id: string } | { name: string; domain: DomainRef }; password: string }
  | { applicationCredential: ApplicationCredentialRef }
  | { token: string };

/** An application credential by id, or by name with its user. */
export type ApplicationCredentialRef = { id: string; secret: string } | { name: string; secret: string; user: { id: string } | { name: string; domain: DomainRef } };

/** The body of POST /v3/auth/tokens. */
export function authRequestBody(credentials: Credentials, scope?: Scope): string {
  const identity =
    'token' in credentials
      ? { methods: ['token'], token: { id: credentials.token } }
      : 'applicationCredential' in credentials
        ? { methods: ['application_credential'], application_credential: credentials.applicationCredential }
        : { methods: ['password'], password: { user: { ...credentials.user, password: credentials.password } } };
  return JSON.stringify({ auth: { identity, ...(scope && { scope: scopeBody(scope) }) } });
}

function scopeBody(scope: Scope): object {
  if ('system' in scope) return { system: { all: true } };
  return scope;
}

/** The body of POST /v3/auth/OS-FEDERATION/saml2/ecp: the user's token, scoped to a service provider. */
export function ecpRequestBody(token: string, serviceProviderId: string): string {
  return JSON.stringify({ auth: { identity: { methods: ['token'], token: { id: token } }, scope: { service_provider: { id: serviceProviderId } } } });
}
