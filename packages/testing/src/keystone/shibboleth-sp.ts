import { createHash, randomBytes, type KeyObject } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { readBody, type Route, type SimRequest } from '../sim-server.js';
import type { Directory } from './directory.js';
import { newId } from './ids.js';
import { sendShibbolethError } from './keystone-errors.js';
import { verifyEcpEnvelope, type VerifiedAssertion } from './saml.js';
import type { TokenRecord, TokenStore } from './tokens.js';

/** An identity provider an SP trusts, with the mapping of its users (K2K's usual one). */
export interface TrustedIdentityProvider {
  /** The IdP's id at this SP, as in the federation auth URL (e.g. 'idp') */
  id: string;
  /** Its SAML entity id (the assertion's Issuer) */
  remoteId: string;
  /** The key its assertions are signed with */
  verifyKey: KeyObject;
  protocol: string;
  /** The mapping puts every federated user in this group (domain Default)... */
  groupName: string;
  /** ...except these users (by name), each in the group named here (domain Default), as a mapping rule matching `openstack_user` does */
  groupsByUser?: Record<string, string>;
}

/** What the service provider side needs from its Keystone. */
export interface ServiceProviderHost {
  /** http://127.0.0.1:PORT */
  url(): string;
  directory: Directory;
  tokens: TokenStore;
  fail(request: SimRequest, status: number, message: string): void;
  /** Answers a federation auth with the token issued (201, no catalog) */
  sendToken(request: SimRequest, token: TokenRecord): void;
}

export const ECP_CONSUMER_PATH = '/Shibboleth.sso/SAML2/ECP';
const SESSION_COOKIE = `_shibsession_${Buffer.from('default-sp/shibboleth').toString('hex')}`;

/**
 * Keystone as a K2K service provider, behind Shibboleth as deployed: the ECP consumer takes a trusted
 * IdP's signed assertion into a session (cookie), and the federation auth maps the session's user
 * into a group (the mapping) and issues a token for it.
 */
export class ShibbolethServiceProvider {
  /** The identity providers trusted, first trusted first */
  readonly trusted: TrustedIdentityProvider[] = [];
  private readonly sessions = new Map<string, { idpId: string; assertion: VerifiedAssertion }>();
  /** The domain each trusted IdP's federated users are created in */
  private readonly federatedDomains = new Map<string, string>();

  constructor(private readonly host: ServiceProviderHost) {}

  /** Trusts an IdP; its federated users get a domain of their own. */
  trust(idp: TrustedIdentityProvider): void {
    this.trusted.push(idp);
    const domainId = newId();
    this.host.directory.addDomain(domainId, domainId);
    this.federatedDomains.set(idp.id, domainId);
  }

  /** Its two endpoints: the Shibboleth ECP consumer and Keystone's federation auth behind it. */
  routes(): Route[] {
    return [
      { method: 'POST', pattern: /^\/Shibboleth\.sso\/SAML2\/ECP$/, name: 'sp.ecp-consumer', handle: (r) => this.consumeAssertion(r) },
      {
        method: 'GET',
        pattern: /^\/v3\/OS-FEDERATION\/identity_providers\/(?<idp>[^/]+)\/protocols\/(?<protocol>[^/]+)\/auth$/,
        name: 'federation.auth',
        handle: (r) => this.federationAuth(r),
      },
    ];
  }

  private async consumeAssertion(request: SimRequest): Promise<void> {
    const xml = await readBody(request.req);
    if (!xml.includes('<ns0:Envelope')) return sendShibbolethError(request.res, 'xmltooling::XMLParserException');
    for (const idp of this.trusted) {
      const assertion = verifyEcpEnvelope(xml, { issuer: idp.remoteId, key: idp.verifyKey });
      if (!assertion || assertion.recipient !== `${this.host.url()}${ECP_CONSUMER_PATH}`) continue;
      const session = `_${randomBytes(16).toString('hex')}`;
      this.sessions.set(session, { idpId: idp.id, assertion });
      request.res.writeHead(302, {
        location: `${this.host.url()}/`,
        'set-cookie': `${SESSION_COOKIE}=${session}; path=/; HttpOnly`,
        'cache-control': 'private,no-store,no-cache,max-age=0',
        'content-type': 'text/html; charset=iso-8859-1',
      });
      return void request.res.end('<html><body><h1>Found</h1></body></html>\n');
    }
    sendShibbolethError(request.res, 'opensaml::SecurityPolicyException');
  }

  private federationAuth(request: SimRequest): void {
    const sessionId = cookie(request.req, SESSION_COOKIE);
    const session = sessionId === undefined ? undefined : this.sessions.get(sessionId);
    const idp = this.trusted.find((candidate) => candidate.id === request.params.idp && candidate.protocol === request.params.protocol);
    if (!session || !idp || session.idpId !== idp.id || session.assertion.notOnOrAfter.getTime() <= Date.now()) {
      return sendShibbolethError(request.res, 'shibsp::ConfigurationException');
    }
    const userName = session.assertion.attributes.openstack_user?.[0];
    const groupName = (userName && idp.groupsByUser?.[userName]) || idp.groupName;
    const group = this.host.directory.groups.find((candidate) => candidate.name === groupName && candidate.domainId === 'default');
    if (!userName || !group) return this.host.fail(request, 401, 'Could not map any federated user properties to identity values.');
    const userId = createHash('sha256').update(`${idp.id}\0${userName}`).digest('hex');
    if (!this.host.directory.user({ id: userId })) this.host.directory.addUser(userName, undefined, this.federatedDomains.get(idp.id), userId);
    const token = this.host.tokens.issue({ userId, methods: ['saml2'], federation: { identityProvider: idp.id, protocol: idp.protocol, groupIds: [group.id] } });
    this.host.sendToken(request, token);
  }
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const pair of (req.headers.cookie ?? '').split(';')) {
    const [key, ...value] = pair.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}
