import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import { keystoneAuth, type KeystoneAuthMiddleware } from '@k2k/keystone-auth';
import { createStore, type Store } from '@k2k/store';
import { createTestCa, startFederation, startTlsFront, type Federation, type TestCa, type TlsFront } from '@k2k/testing';
import { k2kForward, type K2KForwardMiddleware, type K2KForwardOptions } from '../src/index.js';

/**
 * k2kForward when Keystones and services are served over https with certificates from private CAs:
 * the local cloud's (its Keystone, the IdP, and its volume service) from one CA, sp1's volume
 * service from another. Which `ca` reaches which connection, and the answer without the right one.
 * sp1's Keystone stays on http (the simulated SP checks assertions against its own http URL): that
 * the clients made for SPs carry `ca` is @k2k/keystone's test.
 */
describe('k2kForward with private CAs (ca)', () => {
  let federation: Federation;
  let localCa: TestCa;
  let remoteCa: TestCa;
  let fronts: TlsFront[];
  let httpsIdp: string;
  let httpsLocal: string;
  let sp1Service: string;
  const closing: (KeystoneAuthMiddleware | K2KForwardMiddleware | Store)[] = [];

  before(async () => {
    [federation, localCa, remoteCa] = await Promise.all([startFederation({ serviceProviders: ['sp1'] }), createTestCa(), createTestCa()]);
    fronts = await Promise.all([
      startTlsFront(federation.idp.url, localCa),
      startTlsFront(federation.cloud('idp').volume.publicUrl, localCa),
      startTlsFront(federation.cloud('sp1').volume.publicUrl, remoteCa),
    ]);
    httpsIdp = `${fronts[0].url}/v3`;
    httpsLocal = `${fronts[1].url}/v3/%(project_id)s`;
    sp1Service = fronts[2].url;
    // sp1's catalog sends the caller's volume calls over https.
    const volume = federation.cloud('sp1').keystone.catalog.services.find((service) => service.type === 'volumev3');
    const endpoint = volume?.endpoints.find((candidate) => candidate.interface === 'public');
    if (!endpoint) throw new Error("no public volumev3 endpoint in sp1's catalog");
    endpoint.url = `${sp1Service}/v3/%(project_id)s`;
  });

  after(async () => {
    await Promise.all(closing.map((closable) => closable.close()));
    await Promise.all(fronts.map((front) => front.close()));
    await federation.close();
  });

  /** keystoneAuth (with `auth`'s authUrl and ca) then k2kForward(`forward`) at /volume, on a store of their own: no exchange is reused across cases. */
  function gateway(auth: { authUrl: string; ca?: string }, forward: K2KForwardOptions): express.Express {
    const { env } = federation;
    const store = createStore();
    const authMiddleware = keystoneAuth({ ...auth, serviceAuth: { username: env.serviceUser, password: env.servicePassword, projectName: env.serviceProject }, store });
    const forwardMiddleware = k2kForward(forward);
    closing.push(authMiddleware, forwardMiddleware, store);
    const app = express();
    app.use(authMiddleware);
    app.use('/volume', forwardMiddleware);
    return app;
  }

  const project = () => federation.env.idpProjectId;
  const token = () => federation.idp.issueToken('alice', 'demo');

  /** GET a volume seeded in the local cloud, sent there explicitly (no search). */
  function getLocal(app: express.Express, userToken = token()) {
    const volume = federation.cloud('idp').volume.seed(project(), { name: 'local' });
    return request(app).get(`/volume/v3/${project()}/volumes/${volume.id}`).set({ 'x-auth-token': userToken, 'SERVICE-PROVIDER': 'default' });
  }

  /** GET a volume seeded at sp1: the K2K exchange (at the IdP, then sp1's Keystone), then sp1's service. */
  function getRemote(app: express.Express, userToken = token()) {
    const sp1 = federation.cloud('sp1');
    const volume = sp1.volume.seed(sp1.projects.demo.id, { name: 'remote' });
    return request(app).get(`/volume/v3/${project()}/volumes/${volume.id}`).set({ 'x-auth-token': userToken, 'SERVICE-PROVIDER': 'sp1' });
  }

  it("takes keystoneAuth's ca (no authUrl of its own) for the K2K exchange and the services it forwards to", async () => {
    const app = gateway({ authUrl: httpsIdp, ca: localCa.ca }, { local: httpsLocal });
    expect((await getLocal(app).expect(200)).body.volume.name).to.equal('local');
    // The exchange at the https IdP passed; sp1's service has another CA's certificate.
    const refused = await getRemote(app).expect(502);
    expect(refused.body.error.message).to.match(/^The service at service provider sp1 \(127\.0\.0\.1:\d+\) failed TLS certificate verification: .+\.$/);
  });

  it("adds its own ca to keystoneAuth's", async () => {
    const app = gateway({ authUrl: httpsIdp, ca: localCa.ca }, { local: httpsLocal, ca: remoteCa.ca });
    expect((await getLocal(app).expect(200)).body.volume.name).to.equal('local');
    const answer = await getRemote(app).expect(200);
    expect(answer.body.volume.name).to.equal('remote');
    expect(answer.headers['x-k2k-service-provider']).to.equal('sp1');
  });

  it("with an authUrl of its own, trusts only its own ca: the exchange at the IdP then needs the IdP's CA in it", async () => {
    const auth = { authUrl: httpsIdp, ca: localCa.ca };
    const own = { authUrl: httpsIdp, serviceType: 'volumev3' };
    const refused = await getRemote(gateway(auth, { ...own, ca: remoteCa.ca })).expect(502);
    expect(refused.body.error.message).to.match(new RegExp(`^Could not reach the local Keystone for the K2K exchange: Keystone at ${fronts[0].url} failed TLS certificate verification: .+ \\([A-Z_]+\\)\\.$`));
    await getRemote(gateway(auth, { ...own, ca: [localCa.ca, remoteCa.ca] })).expect(200);
  });

  it("without any ca (Node's default CAs) answers 502 naming the service, its host and the certificate, never a token", async () => {
    const app = gateway({ authUrl: federation.env.idpAuthUrl }, { local: httpsLocal });
    const userToken = token();
    const local = await getLocal(app, userToken).expect(502);
    expect(local.body.error).to.include({ code: 502, title: 'Bad Gateway' });
    expect(local.body.error.message).to.match(new RegExp(`^The service at the local service \\(${fronts[1].url.slice('https://'.length)}\\) failed TLS certificate verification: .+ \\([A-Z_]+\\)\\.$`));
    const remote = await getRemote(app, userToken).expect(502);
    expect(remote.body.error.message).to.match(new RegExp(`^The service at service provider sp1 \\(${sp1Service.slice('https://'.length)}\\) failed TLS certificate verification: `));
    for (const answer of [local, remote]) {
      expect(answer.headers['content-type']).to.match(/^application\/json/);
      expect(answer.text).to.not.include(userToken);
    }
  });

  it('checks ca at construction, naming the option', () => {
    expect(() => k2kForward({ ca: 'ca.pem' })).to.throw(/^k2kForward\.ca: holds no PEM certificate/);
    expect(() => k2kForward({ ca: [localCa.ca, 1 as never] })).to.throw(/^k2kForward\.ca\[1\]: must be PEM certificate text/);
  });

  it("places a create at the next cloud when the first one's certificate is refused: the create never reached it", async () => {
    const app = gateway({ authUrl: httpsIdp, ca: localCa.ca }, { local: httpsLocal, placement: () => ['sp1', 'default'] });
    const created = await request(app).post(`/volume/v3/${project()}/volumes`).set('x-auth-token', token()).send({ volume: { name: 'placed', size: 1 } }).expect(202);
    expect(created.headers['x-k2k-service-provider']).to.equal('default');
  });
});
