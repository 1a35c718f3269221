import { malformed } from './keystone-errors.js';
import type { AccessRule, CatalogEntry, NamedRef, ScopedProject, ServiceProvider } from '@k2k/common';

/** Federation facts of a federated user's token (`user.OS-FEDERATION`). */
export interface FederationInfo {
  identityProvider: string;
  protocol: string;
  groups: string[];
}

/** The application credential a token was made with (`application_credential`). */
export interface ApplicationCredentialInfo {
  id: string;
  name: string;
  restricted: boolean;
  /** Absent: the credential is not limited by access rules */
  accessRules?: AccessRule[];
}

/** A Keystone v3 token: its id (from X-Subject-Token) and what Keystone said about it. */
export interface Token {
  id: string;
  expiresAt: string;
  issuedAt: string;
  methods: string[];
  auditIds: string[];
  user: NamedRef & { domain: NamedRef; federation?: FederationInfo };
  /** Set for a project-scoped token */
  project?: ScopedProject;
  /** Set for a domain-scoped token */
  domain?: NamedRef;
  /** True for a system-scoped token */
  system?: boolean;
  roles: NamedRef[];
  /** Empty for unscoped tokens and when validated with nocatalog */
  catalog: CatalogEntry[];
  /** Keystone's is_admin_project, when it says */
  isAdminProject?: boolean;
  /** Service providers the IdP offers (K2K), empty when none */
  serviceProviders: ServiceProvider[];
  /** Set for a token made with an application credential */
  applicationCredential?: ApplicationCredentialInfo;
}

interface RawRef {
  id?: unknown;
  name?: unknown;
  domain?: RawRef;
}

interface RawToken {
  expires_at?: unknown;
  issued_at?: unknown;
  methods?: unknown;
  audit_ids?: unknown;
  user?: RawRef & { 'OS-FEDERATION'?: { identity_provider?: { id?: unknown }; protocol?: { id?: unknown }; groups?: { id?: unknown }[] } };
  project?: RawRef;
  domain?: RawRef;
  system?: { all?: unknown };
  roles?: RawRef[];
  catalog?: RawCatalogEntry[];
  is_admin_project?: unknown;
  service_providers?: { id?: unknown; sp_url?: unknown; auth_url?: unknown }[];
  application_credential?: { id?: unknown; name?: unknown; restricted?: unknown; access_rules?: { service?: unknown; method?: unknown; path?: unknown }[] };
}

interface RawCatalogEntry {
  id?: unknown;
  type?: unknown;
  name?: unknown;
  endpoints?: { id?: unknown; interface?: unknown; region?: unknown; region_id?: unknown; url?: unknown }[];
}

/** Turns Keystone's token JSON into a Token; throws a malformed-answer error for a broken one. */
export function parseToken(id: string, body: unknown, url: string): Token {
  const raw = (body as { token?: RawToken } | undefined)?.token;
  if (!raw || typeof raw !== 'object') throw malformed(url, 'no "token" object in the body');
  const expiresAt = text(raw.expires_at);
  if (!expiresAt || Number.isNaN(Date.parse(expiresAt))) throw malformed(url, 'token has no valid expires_at');
  if (!raw.user || typeof raw.user !== 'object') throw malformed(url, 'token has no user');
  const federation = raw.user['OS-FEDERATION'];
  return {
    id,
    expiresAt,
    issuedAt: text(raw.issued_at) ?? '',
    methods: strings(raw.methods),
    auditIds: strings(raw.audit_ids),
    user: {
      ...ref(raw.user),
      domain: ref(raw.user.domain),
      ...(federation && {
        federation: {
          identityProvider: text(federation.identity_provider?.id) ?? '',
          protocol: text(federation.protocol?.id) ?? '',
          groups: (federation.groups ?? []).map((group) => text(group.id) ?? ''),
        },
      }),
    },
    ...(raw.project && { project: { ...ref(raw.project), domain: ref(raw.project.domain) } }),
    ...(raw.domain && { domain: ref(raw.domain) }),
    // Keystone renders a system scope as {"all": true}; keystoneauth's system_scoped reads only that.
    ...(raw.system?.all === true && { system: true }),
    roles: (raw.roles ?? []).map(ref),
    catalog: (raw.catalog ?? []).map(catalogEntry),
    ...(typeof raw.is_admin_project === 'boolean' && { isAdminProject: raw.is_admin_project }),
    serviceProviders: (raw.service_providers ?? []).map((sp) => ({ id: text(sp.id) ?? '', spUrl: text(sp.sp_url) ?? '', authUrl: text(sp.auth_url) ?? '' })),
    ...(raw.application_credential && { applicationCredential: applicationCredential(raw.application_credential) }),
  };
}

function applicationCredential(raw: NonNullable<RawToken['application_credential']>): ApplicationCredentialInfo {
  return {
    id: text(raw.id) ?? '',
    name: text(raw.name) ?? '',
    restricted: raw.restricted !== false,
    ...(Array.isArray(raw.access_rules) && {
      accessRules: raw.access_rules.map((rule) => ({ service: text(rule.service) ?? '', method: text(rule.method) ?? '', path: text(rule.path) ?? '' })),
    }),
  };
}

function catalogEntry(raw: RawCatalogEntry): CatalogEntry {
  return {
    id: text(raw.id) ?? '',
    type: text(raw.type) ?? '',
    name: text(raw.name) ?? '',
    endpoints: (raw.endpoints ?? []).map((endpoint) => ({
      id: text(endpoint.id) ?? '',
      interface: text(endpoint.interface) ?? '',
      region: text(endpoint.region) ?? '',
      regionId: text(endpoint.region_id) ?? text(endpoint.region) ?? '',
      url: text(endpoint.url) ?? '',
    })),
  };
}

function ref(raw: RawRef | undefined): NamedRef {
  return { id: text(raw?.id) ?? '', name: text(raw?.name) ?? '' };
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
