import { expect } from 'chai';
import { KeystoneClient, KeystoneError, serviceProviderKeystoneUrl } from '../src/index.js';
import { json, startStub, tokenBody, type HttpStub } from './http-stub.js';

const USER_TOKEN = 'gAAAAAB-user-token';
const ENVELOPE = '<soap11:Envelope><soap11:Body><saml2p:Response><saml2:Assertion>signed</saml2:Assertion></saml2p:Response></soap11:Body></soap11:Envelope>';

describe('K2K exchange (KeystoneClient.federate)', () => {
  let idp: HttpStub;
  let sp: HttpStub;
  let client: KeystoneClient;
  let consumerAnswer: (res: import('node:http').ServerResponse) => void;

  beforeEach(async () => {
    idp = await startStub((req, res) => {
      const spId = (JSON.parse(req.body || '{}') as { auth?: { scope?: { service_provider?: { id?: string } } } }).auth?.scope?.service_provider?.id;
      if (req.url === '/v3/auth/OS-FEDERATION/saml2/ecp' && spId === 'sp1') {
        res.writeHead(200, { 'content-type': 'text/xml' });
        res.end(ENVELOPE);
      } else json(res, 404, { error: { code: 404, title: 'Not Found', message: `Could not find Service Provider: ${spId}.` } });
    });
    consumerAnswer = (res) => {
      res.writeHead(302, { location: '/', 'set-cookie': ['_shibsession_abc=s3ss10n; path=/; HttpOnly', '_opensaml_req=x; path=/'] });
      res.end();
    };
    sp = await startStub((req, res) => {
      if (req.url === '/Shibboleth.sso/SAML2/ECP') consumerAnswer(res);
      else if (req.url?.startsWith('/v3/OS-FEDERATION/')) {
        if (req.headers.cookie?.includes('_shibsession_abc=s3ss10n')) json(res, 201, tokenBody({ methods: ['saml2'] }), { 'x-subject-token': 'sp-unscoped' });
        else {
          res.writeHead(500, { 'content-type': 'text/html' });
          res.end('<html>no session</html>');
        }
      } else res.writeHead(404).end();
    });
    client = new KeystoneClient({ authUrl: `${idp.url}/v3` });
  });

  afterEach(async () => {
    await client.close();
    await Promise.all([idp.close(), sp.close()]);
  });

  const serviceProvider = () => ({ id: 'sp1', spUrl: `${sp.url}/Shibboleth.sso/SAML2/ECP`, authUrl: `${sp.url}/v3/OS-FEDERATION/identity_providers/idp/protocols/saml2/auth` });

  it('gets an assertion, posts it as PAOS, and trades the session cookie for an unscoped token', async () => {
    const { unscoped, serviceProvider: spClient } = await client.federate(USER_TOKEN, serviceProvider());
    expect(unscoped.id).to.equal('sp-unscoped');
    expect(spClient.authUrl).to.equal(`${sp.url}/v3`);

    expect(JSON.parse(idp.seen[0].body)).to.deep.equal({
      auth: { identity: { methods: ['token'], token: { id: USER_TOKEN } }, scope: { service_provider: { id: 'sp1' } } },
    });
    const [posted, fetched] = sp.seen;
    expect(posted).to.include({ method: 'POST', body: ENVELOPE });
    expect(posted.headers['content-type']).to.equal('application/vnd.paos+xml');
    expect(fetched).to.include({ method: 'GET', url: '/v3/OS-FEDERATION/identity_providers/idp/protocols/saml2/auth' });
    expect(fetched.headers.cookie).to.equal('_shibsession_abc=s3ss10n; _opensaml_req=x');
    expect(sp.seen).to.have.length(2); // Location (the SP root) is not followed
  });

  it("passes on the SP consumer's refusal with its status", async () => {
    consumerAnswer = (res) => {
      res.writeHead(500, { 'content-type': 'text/html' });
      res.end('<html>shibd error</html>');
    };
    const error = await client.federate(USER_TOKEN, serviceProvider()).catch((e: KeystoneError) => e);
    expect(error).to.be.instanceOf(KeystoneError);
    expect(error).to.include({ status: 500, failure: 'refused' });
  });

  it('refuses a redirect that opens no session', async () => {
    consumerAnswer = (res) => res.writeHead(302, { location: '/' }).end();
    const error = await client.federate(USER_TOKEN, serviceProvider()).catch((e: KeystoneError) => e);
    expect(error).to.include({ status: 502, failure: 'malformed' });
  });

  it("passes on the IdP's refusal (unknown service provider)", async () => {
    const error = await client.federate(USER_TOKEN, { ...serviceProvider(), id: 'nope' }).catch((e: KeystoneError) => e);
    expect(error).to.be.instanceOf(KeystoneError);
    expect(error).to.include({ status: 404, message: 'Could not find Service Provider: nope.' });
    expect(sp.seen).to.have.length(0);
  });

  it("derives the SP's Keystone URL from its federation auth URL", () => {
    expect(serviceProviderKeystoneUrl(serviceProvider())).to.equal(`${sp.url}/v3`);
  });
});
