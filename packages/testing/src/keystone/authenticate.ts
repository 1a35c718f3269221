import type { ApplicationCredentials, StoredApplicationCredential } from './application-credentials.js';
import { SYSTEM_TARGET, type Directory } from './directory.js';
import { MESSAGES } from './keystone-errors.js';
import type { FederatedIdentity, TokenRecord, TokenStore } from './tokens.js';

// The simulated Keystone's authentication: the body of `POST /v3/auth/tokens`, who it names and the
// scope it asks for.

/** Who authenticated: the user, with the federation, parent token or application credential it came by. */
export type Credentials = { user: { id: string }; federation?: FederatedIdentity; parent?: TokenRecord; applicationCredential?: StoredApplicationCredential };

/** A status and message Keystone refuses with. */
export type Refusal = { status: number; message: string };

/** What authentication reads of its Keystone. */
export interface KeystoneState {
  tokens: TokenStore;
  directory: Directory;
  applicationCredentials: ApplicationCredentials;
}

interface DomainBody {
  id?: string;
  name?: string;
}

/** The body of `POST /v3/auth/tokens` (and of the IdP's ECP assertion request). */
export interface AuthBody {
  identity?: {
    methods?: string[];
    password?: { user?: { id?: string; name?: string; domain?: DomainBody; password?: string } };
    token?: { id?: string };
    application_credential?: { id?: string; name?: string; secret?: string; user?: { id?: string; name?: string; domain?: DomainBody } };
  };
  scope?: {
    project?: { id?: string; name?: string; domain?: DomainBody };
    domain?: DomainBody;
    system?: { all?: unknown };
    service_provider?: { id?: string };
  };
}

/**
 * Who a `POST /v3/auth/tokens` body's identity is (token, application credential or password, in
 * that order of the methods), or the status and message Keystone refuses it with.
 */
export function authenticate(identity: AuthBody['identity'] & object, methods: string[], keystone: KeystoneState): Credentials | Refusal {
  if (methods.includes('token')) {
    const check = keystone.tokens.check(identity.token?.id);
    if (!check.ok) return { status: 404, message: check.reason === 'unknown' ? MESSAGES.unrecognizedToken : MESSAGES.failedToValidate };
    return { user: { id: check.token.userId }, federation: check.token.federation, parent: check.token };
  }
  if (methods.includes('application_credential')) {
    const ref = identity.application_credential ?? {};
    const owner = ref.user && keystone.directory.user(ref.user);
    const credential = keystone.applicationCredentials.authenticate(ref, owner?.id);
    if (!credential) return { status: 401, message: MESSAGES.unauthorized };
    return { user: { id: credential.userId }, applicationCredential: credential };
  }
  if (methods.includes('password')) {
    const ref = identity.password?.user ?? {};
    const user = keystone.directory.user(ref);
    if (!user || user.password === undefined || user.password !== ref.password) return { status: 401, message: MESSAGES.unauthorized };
    return { user: { id: user.id } };
  }
  return { status: 401, message: MESSAGES.unauthorized };
}

/** The scope a body asks for, if the user (or a group of its federation) has a role there; none asked: unscoped. */
export function resolveScope(scope: AuthBody['scope'], credentials: Credentials, directory: Directory): { projectId?: string; domainId?: string; system?: boolean } | Refusal {
  const groupIds = credentials.federation?.groupIds ?? [];
  if (scope?.project) {
    const project = directory.project(scope.project);
    if (!project || !project.enabled || directory.rolesOn(credentials.user.id, groupIds, project.id).length === 0) return { status: 401, message: MESSAGES.unauthorized };
    return { projectId: project.id };
  }
  if (scope?.domain) {
    const domain = directory.domain(scope.domain);
    if (!domain || directory.rolesOn(credentials.user.id, groupIds, domain.id).length === 0) return { status: 401, message: MESSAGES.unauthorized };
    return { domainId: domain.id };
  }
  if (scope?.system) {
    if (scope.system.all !== true) return { status: 400, message: MESSAGES.badRequest };
    if (directory.rolesOn(credentials.user.id, groupIds, SYSTEM_TARGET).length === 0) return { status: 401, message: MESSAGES.unauthorized };
    return { system: true };
  }
  return {};
}
