import type { KeyObject } from 'node:crypto';
import { readJsonObject, sendJson, type Route, type SimRequest } from '../sim-server.js';
import type { AuthBody } from './authenticate.js';
import type { CatalogApiHost } from './catalog-api.js';
import type { Directory, Role } from './directory.js';
import { MESSAGES } from './keystone-errors.js';
import { buildEcpEnvelope } from './saml.js';
import type { RegisteredServiceProvider } from './token-body.js';
import type { TokenRecord, TokenStore } from './tokens.js';

/** What the IdP side needs from its Keystone. */
export interface IdentityProviderHost extends CatalogApiHost {
  directory: Directory;
  tokens: TokenStore;
  /** Of the assertions it signs, as of its tokens */
  lifetimeSeconds: number;
  serviceProviders: readonly RegisteredServiceProvider[];
  /** Its SAML identity, once it acts as an IdP */
  signer(): { entityId: string; signingKey: KeyObject } | undefined;
  rolesOf(token: TokenRecord): Role[];
}

/**
 * Keystone as a K2K identity provider: it lists the service providers registered at it and signs
 * an ECP assertion of a token's user for one of them.
 */
export function identityProviderRoutes(host: IdentityProviderHost): Route[] {
  /** `GET /v3/OS-FEDERATION/service_providers`: the SPs registered here (admin). */
  function listServiceProviders(request: SimRequest): void {
    const caller = host.caller(request);
    if (!caller) return;
    if (!host.rolesOf(caller).some((role) => role.name === 'admin')) return host.fail(request, 403, MESSAGES.forbiddenListProviders);
    sendJson(request.res, 200, {
      service_providers: host.serviceProviders.map((sp) => ({
        auth_url: sp.authUrl,
        description: null,
        enabled: true,
        id: sp.id,
        relay_state_prefix: 'ss:mem:',
        sp_url: sp.spUrl,
        links: { self: `${host.authUrl()}/OS-FEDERATION/service_providers/${sp.id}` },
      })),
      links: { next: null, self: `${host.authUrl()}/OS-FEDERATION/service_providers`, previous: null },
    });
  }

  /** `POST /v3/auth/OS-FEDERATION/saml2/ecp`: a project-scoped token's user, roles and project, signed for one SP. */
  async function ecpAssertion(request: SimRequest): Promise<void> {
    const auth = (await readJsonObject(request.req))?.auth as AuthBody | undefined;
    const check = host.tokens.check(auth?.identity?.token?.id);
    if (!check.ok) return host.fail(request, 404, check.reason === 'unknown' ? MESSAGES.unrecognizedToken : MESSAGES.failedToValidate);
    const token = check.token;
    if (!token.projectId) return host.fail(request, 403, MESSAGES.ecpNeedsProjectScope);
    const spId = auth?.scope?.service_provider?.id ?? '';
    const sp = host.serviceProviders.find((candidate) => candidate.id === spId);
    const signer = host.signer();
    if (!sp || !signer) return host.fail(request, 404, MESSAGES.unknownServiceProvider(spId));
    const user = host.directory.user({ id: token.userId });
    const project = host.directory.project({ id: token.projectId });
    const envelope = buildEcpEnvelope({
      issuer: signer.entityId,
      recipient: sp.spUrl,
      lifetimeSeconds: host.lifetimeSeconds,
      signingKey: signer.signingKey,
      attributes: {
        openstack_user: user?.name ?? '',
        openstack_user_domain: host.directory.domain({ id: user?.domainId ?? '' })?.name ?? '',
        openstack_roles: host.rolesOf(token).map((role) => role.name),
        openstack_project: project?.name ?? '',
        openstack_project_domain: host.directory.domain({ id: project?.domainId ?? '' })?.name ?? '',
      },
    });
    request.res.writeHead(200, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(envelope), 'x-sp-url': sp.spUrl, 'x-auth-url': sp.authUrl, vary: 'X-Auth-Token' });
    request.res.end(envelope);
  }

  return [
    { method: 'GET', pattern: /^\/v3\/OS-FEDERATION\/service_providers$/, name: 'service-providers.list', handle: listServiceProviders },
    { method: 'POST', pattern: /^\/v3\/auth\/OS-FEDERATION\/saml2\/ecp$/, name: 'saml2.ecp', handle: ecpAssertion },
  ];
}
