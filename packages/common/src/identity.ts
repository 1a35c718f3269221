import type { Logger } from './logger.js';
import type { CatalogEntry } from './catalog.js';
import type { Store } from './store.js';

/**
 * The identity contract between the middleware that authenticates a request (keystoneAuth, or
 * KeystoneStrategy) and those after it (k2kForward): who the caller is, in `req.keystone`, and
 * where that came from, in `req.keystoneContext` (the headers that carry it to the service behind
 * are in identity-headers.ts).
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
  // `keystone`, its client for authUrl, is declared by @k2k/keystone (which defines the client) on this interface.
  /** The store it caches in */
  readonly store: Store;
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

export interface NamedRef {
  id: string;
  name: string;
}

export interface ScopedProject extends NamedRef {
  domain: NamedRef;
}

/** A service provider the IdP federates with, as listed in a token. */
export interface ServiceProvider {
  id: string;
  /** The SP's ECP consumer, where the assertion is posted */
  spUrl: string;
  /** The SP's federation auth URL, which gives the unscoped token */
  authUrl: string;
}

/** An access rule of an application credential: what a token made with it may call. */
export interface AccessRule {
  /** A service type, e.g. 'volumev3' */
  service: string;
  method: string;
  /** A path pattern: `*` one segment, `**` any number, `{name}` one segment */
  path: string;
}

/** The identity's user, project and roles: what the X-Service-* headers carry for a service token. */
export function serviceIdentityOf(identity: KeystoneIdentity): ServiceIdentity {
  return { user: identity.user, ...(identity.project && { project: identity.project }), roles: identity.roles };
}
