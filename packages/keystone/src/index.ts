export { KeystoneClient } from './client.js';
export type { Project, ValidateOptions } from './client.js';
export { CatalogAdmin } from './catalog-admin.js';
export type { EndpointListFilter, KeystoneEndpoint, KeystoneRegion, KeystoneService } from './catalog-admin.js';
export { ProjectAdmin } from './project-admin.js';
export type { GroupProjectGrant, KeystoneProject, NewProject, ProjectChanges, ProjectList, ProjectListFilter } from './project-admin.js';
export type { KeystoneClientOptions } from './options.js';
export type { ApplicationCredentialRef, Credentials, DomainRef, ProjectRef, Scope } from './auth-request.js';
export type { ApplicationCredentialInfo, FederationInfo, Token } from './token.js';
export { filterEndpoints, normalizeInterface, selectEndpoint } from './catalog.js';
export type { EndpointFilter, EndpointQuery, SelectedEndpoint } from './catalog.js';
export { isKnownServiceType, officialServiceType, serviceTypeCandidates } from './service-types.js';
export { serviceProviderKeystoneUrl } from './k2k-exchange.js';
export { KeystoneError } from './keystone-errors.js';
export type { KeystoneFailure } from './keystone-errors.js';
export { identityOf } from './identity.js';
export { logIn } from './log-in.js';
export { ServiceToken } from './service-token.js';
export { authFromEnvironment } from './openstack-environment.js';
export type { EnvironmentAuth } from './openstack-environment.js';
export { parseCredentials } from './service-credentials.js';
export type { ApplicationCredentials, PasswordCredentials, ServiceCredentials } from './service-credentials.js';
// The shared contract (the OpenStack error and its writer, request ids, the identity types of req.keystone,
// the catalog and token parts they hold) lives in @k2k/common; re-exported here, where it was first documented.
export { IDENTITY_HEADERS, OpenStackError, requestIdOf, serviceIdentityOf, writeOpenStackError } from '@k2k/common';
export type { AccessRule, CatalogEndpoint, CatalogEntry, EndpointInterface, KeystoneContext, KeystoneIdentity, NamedRef, OpenStackErrorBody, ScopedProject, ServiceIdentity, ServiceProvider } from '@k2k/common';
