import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KeystoneClient } from '@k2k/keystone';
import { createStore, type Store } from '@k2k/store';
import { startFederation, startMemcached, type Cloud, type Federation, type MemcachedServer } from '@k2k/testing';
import { k2kClient, type ExchangeEvent, type K2KClient, type K2KClientOptions, type LocationEvent, type ProbeEvent, type ServiceClient } from '../src/index.js';

const SECRET = 'k2k-client-tests-secret-0123456';

/**
 * k2kClient on the simulated federation (IdP + sp1 + sp2) and a real memcached: a service's own
 * calls routed as k2kForward routes a gateway's (DESIGN "The outgoing path").
 */
describe('k2kClient: the outgoing path', () => {
  let federation: Federation;
  let memcached: MemcachedServer;
  let store: Store;
  let token: string;
  const clients: K2KClient[] = [];
  /** Stores of a second "process" on the same memcached, closed after the clients */
  const otherStores: Store[] = [];

  before(async () => {
    [federation, memcached] = await Promise.all([startFederation(), startMemcached()]);
    store = createStore({ backend: 'memcached', servers: [memcached.location], secret: SECRET });
    token = federation.idp.issueToken(federation.env.user, federation.env.idpProject);
  });

  after(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await Promise.all([store, ...otherStores].map((one) => one.close()));
    await Promise.all([federation.close(), memcached.kill()]);
  });

  beforeEach(() => {
    for (const cloud of federation.clouds) {
      cloud.volume.reset();
      cloud.volume.volumes.clear();
      cloud.volume.requests.length = 0;
      cloud.keystone.calls.reset();
    }
  });

  const clientWith = (options: K2KClientOptions = {}): K2KClient => {
    const client = k2kClient({ authUrl: federation.env.idpAuthUrl, store, proxyId: 'test-client', ...options });
    clients.push(client);
    return client;
  };
  const volumesOf = (client: K2KClient): ServiceClient => client.session({ token }).service('volumev3');
  const sp = (name: string): Cloud => federation.cloud(name);
  const seedAt = (cloud: Cloud, name = 'v') => cloud.volume.seed(cloud.projects.demo.id, { name });
  const recorded = <T>(client: K2KClient, name: string): T[] => {
    const events: T[] = [];
    client.events.on(name, (event: T) => events.push(event));
    return events;
  };
  /** The X-Auth-Token of every request the service providers' volume services received */
  const tokensAtServiceProviders = () => federation.clouds.filter((cloud) => cloud.name !== 'idp').flatMap((cloud) => cloud.volume.requests.map((r) => r.headers['x-auth-token']));

  it('reaches a volume at sp1 with serviceProvider, then, learned, without it', async () => {
    const client = clientWith();
    const volumes = volumesOf(client);
    const locations = recorded<LocationEvent>(client, 'location');
    const probes = recorded<ProbeEvent>(client, 'probe');
    const volume = seedAt(sp('sp1'), 'at-sp1');
    const first = await volumes.fetch(`/volumes/${volume.id}`, { serviceProvider: 'sp1' });
    expect(first.status).to.equal(200);
    expect(first.headers.get('x-k2k-service-provider')).to.equal('sp1');
    expect(((await first.json()) as { volume: { name: string } }).volume.name).to.equal('at-sp1');
    expect(locations).to.deep.equal([{ action: 'learned', resourceType: 'volumes', serviceProvider: 'sp1' }]);
    const again = await volumes.fetch(`/volumes/${volume.id}`);
    expect(again.status).to.equal(200);
    expect(again.headers.get('x-k2k-service-provider')).to.equal('sp1');
    await again.body?.cancel();
    expect(probes).to.deep.equal([]);
    expect(sp('idp').volume.requests).to.have.length(0);
    // The client names itself, not the in-memory request it runs the engine on.
    expect(sp('sp1').volume.requests.map((r) => r.headers['user-agent'])).to.deep.equal(['k2k-client', 'k2k-client']);
  });

  it('routes a qualified id (<id>@sp2), and a call naming the project at the SP', async () => {
    const client = clientWith();
    const probes = recorded<ProbeEvent>(client, 'probe');
    const at2 = sp('sp2');
    const qualified = seedAt(at2, 'qualified');
    const answer = await volumesOf(client).fetch(`/volumes/${qualified.id}@sp2`);
    expect(answer.status).to.equal(200);
    expect(answer.headers.get('x-k2k-service-provider')).to.equal('sp2');
    expect(((await answer.json()) as { volume: { name: string } }).volume.name).to.equal('qualified');
    const inDemo2 = at2.volume.seed(at2.projects.demo2.id, { name: 'in-demo2' });
    const named = await volumesOf(client).fetch(`/volumes/${inDemo2.id}`, { serviceProvider: 'sp2', project: { name: 'demo2', domain: 'Default' } });
    expect(named.status).to.equal(200);
    await named.body?.cancel();
    expect(probes).to.deep.equal([]);
    // The qualifier is stripped before forwarding; each call goes to its project there.
    expect(at2.volume.requests.map((r) => r.path)).to.deep.equal([`/v3/${at2.projects.demo.id}/volumes/${qualified.id}`, `/v3/${at2.projects.demo2.id}/volumes/${inDemo2.id}`]);
  });

  it('finds a volume nobody learned by search, and the local token never reaches a service provider', async () => {
    const client = clientWith();
    const probes = recorded<ProbeEvent>(client, 'probe');
    const volume = seedAt(sp('sp2'), 'at-sp2');
    const answer = await volumesOf(client).fetch(`/volumes/${volume.id}`);
    expect(answer.status).to.equal(200);
    expect(answer.headers.get('x-k2k-service-provider')).to.equal('sp2');
    expect(((await answer.json()) as { volume: { id: string } }).volume.id).to.equal(volume.id);
    expect(probes.map((p) => `${p.serviceProvider ?? 'local'}:${p.outcome}`)).to.include.members(['local:missing', 'sp2:found']);
    const seen = tokensAtServiceProviders();
    expect(seen.length).to.be.greaterThan(0);
    expect(seen).to.not.include(token);
  });

  it('pages a merged list of every cloud to the end, following its next links', async () => {
    const volumes = volumesOf(clientWith());
    const ids = [...[1, 2, 3].map(() => seedAt(sp('idp')).id), ...[1, 2].map(() => seedAt(sp('sp1')).id), ...[1, 2].map(() => seedAt(sp('sp2')).id)];
    const seen: string[] = [];
    let next: string | undefined = '/volumes?limit=2&sort=id:asc';
    for (let page = 0; next && page < 10; page++) {
      const answer = await volumes.fetch(next);
      expect(answer.status).to.equal(200);
      const body = (await answer.json()) as { volumes: { id: string }[]; volumes_links?: { rel: string; href: string }[] };
      seen.push(...body.volumes.map((v) => v.id));
      next = body.volumes_links?.find((link) => link.rel === 'next')?.href;
      // A next link points at the local endpoint's URL, which the client routes again: never at a service provider.
      if (next) expect(new URL(next).origin).to.equal(new URL(sp('idp').volume.publicUrl).origin);
    }
    expect(seen).to.deep.equal([...ids].sort());
  });

  it('places a create that names no cloud where the placement policy says', async () => {
    const client = clientWith({ placement: (_request, candidates) => candidates.find((c) => c.name === 'sp2')?.name });
    const created = await volumesOf(client).fetch('/volumes', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ volume: { name: 'placed', size: 1 } }) });
    expect(created.status).to.equal(202);
    expect(created.headers.get('x-k2k-service-provider')).to.equal('sp2');
    const { volume } = (await created.json()) as { volume: { id: string } };
    expect(sp('sp2').volume.volumes.has(volume.id)).to.equal(true);
    // Learned from the create: the next call goes straight there.
    const shown = await volumesOf(client).fetch(`/volumes/${volume.id}`);
    expect(shown.headers.get('x-k2k-service-provider')).to.equal('sp2');
    await shown.body?.cancel();
  });

  it('a second process on the same memcached uses the learned location and remote token: no exchange, no probe, no Keystone call', async () => {
    const client = clientWith();
    const exchanges = recorded<ExchangeEvent>(client, 'exchange');
    const volume = seedAt(sp('sp1'));
    // A caller of its own: its remote token is made here, by the first process.
    const caller = federation.idp.issueToken(federation.env.user, federation.env.idpProject);
    const first = await client.session({ token: caller }).service('volumev3').fetch(`/volumes/${volume.id}`, { serviceProvider: 'sp1' });
    await first.body?.cancel();
    expect(exchanges).to.have.length(1);
    for (const cloud of federation.clouds) {
      cloud.keystone.calls.reset();
      cloud.volume.requests.length = 0;
    }
    const script = join(__dirname, 'fixtures', 'second-process.js');
    const env = { ...process.env, K2K_MEMCACHED: memcached.location, K2K_SECRET: SECRET, K2K_AUTH_URL: federation.env.idpAuthUrl, K2K_TOKEN: caller, K2K_PATH: `/volumes/${volume.id}` };
    const { stdout } = await promisify(execFile)(process.execPath, [script], { env, timeout: 20_000 });
    const outcome = JSON.parse(stdout) as { status: number; serviceProvider: string; id: string; exchanges: unknown[]; probes: unknown[] };
    expect(outcome).to.deep.include({ status: 200, serviceProvider: 'sp1', id: volume.id, exchanges: [], probes: [] });
    expect(federation.clouds.map((cloud) => `${cloud.name}:${cloud.keystone.calls.count()}`)).to.deep.equal(['idp:0', 'sp1:0', 'sp2:0']);
    expect(federation.clouds.map((cloud) => `${cloud.name}:${cloud.volume.requests.length}`)).to.deep.equal(['idp:0', 'sp1:1', 'sp2:0']);
  });

  it('single-flights a new caller\'s remote token across clients on the same memcached: 20 concurrent first calls from two, one K2K exchange', async () => {
    const caller = federation.idp.issueToken(federation.env.user, federation.env.idpProject);
    const other = createStore({ backend: 'memcached', servers: [memcached.location], secret: SECRET });
    otherStores.push(other);
    const clientsOnTwoStores = [clientWith(), clientWith({ store: other })];
    const volume = seedAt(sp('sp1'));
    const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
        clientsOnTwoStores[i % 2]
          .session({ token: caller })
          .service('volumev3')
          .fetch(`/volumes/${volume.id}`, { serviceProvider: 'sp1' })
          .then(async (answer) => (await answer.body?.cancel(), answer.status)),
      ),
    );
    expect(answers).to.deep.equal(Array.from({ length: 20 }, () => 200));
    expect(federation.idp.calls.count('saml2.ecp')).to.equal(1);
  });

  it('answers a refused token 401 in OpenStack\'s shape, and a bad routing option throws naming it', async () => {
    const refused = await clientWith().session({ token: 'not-a-token' }).service('volumev3').fetch('/volumes');
    expect(refused.status).to.equal(401);
    expect(((await refused.json()) as { error: { code: number } }).error.code).to.equal(401);
    const volumes = volumesOf(clientWith());
    await expectRejection(volumes.fetch('/volumes', { interface: 'sideways' }), /^interface: must be public, internal or admin/);
    await expectRejection(volumes.fetch('/volumes', { project: { name: 42 } as unknown as { name: string } }), /^project\.name: /);
    await expectRejection(volumes.fetch('http://elsewhere.example/v3/volumes'), /is not below this service's endpoint/);
  });

  it("takes the local endpoint in the local cloud's own region (its Keystone's), not a virtual region the IdP's catalog lists first", async () => {
    const volumev3 = federation.idp.catalog.services.find((service) => service.type === 'volumev3');
    if (!volumev3) throw new Error('no volumev3 in the simulated catalog');
    // A gateway's virtual region for sp1, listed before the local Cinder (a stand-in: sp1's own Cinder, which refuses the IdP's token).
    volumev3.endpoints.unshift({ id: 'virtual-sp1', interface: 'public', regionId: 'sp1', url: `${sp('sp1').volume.publicUrl}/v3/%(project_id)s` });
    try {
      const caller = federation.idp.issueToken(federation.env.user, federation.env.idpProject);
      const client = clientWith();
      const local = seedAt(sp('idp'), 'at-home');
      const answer = await client.session({ token: caller }).service('volumev3').fetch(`/volumes/${local.id}`, { serviceProvider: 'default' });
      expect(answer.status).to.equal(200);
      expect(((await answer.json()) as { volume: { name: string } }).volume.name).to.equal('at-home');
      const routing = await client.localRouting({ token: caller });
      expect(routing.hosts).to.deep.equal([...new Set([sp('idp').volume.publicUrl, sp('idp').volume.internalUrl, sp('idp').image.publicUrl, sp('idp').image.internalUrl].map((url) => new URL(url).origin))]);
    } finally {
      volumev3.endpoints.shift();
    }
  });

  it("refuses an application credential's token limited by access rules (it does not enforce them): 401, nothing sent", async () => {
    federation.idp.addApplicationCredential('alice', 'demo', 'read-one-volume', 'cred-secret', [{ service: 'volumev3', method: 'GET', path: '/v3/{project_id}/volumes' }]);
    const keystone = new KeystoneClient({ authUrl: federation.env.idpAuthUrl });
    const limited = await keystone.authenticate({ applicationCredential: { name: 'read-one-volume', secret: 'cred-secret', user: { name: 'alice', domain: { id: 'default' } } } });
    await keystone.close();
    const answer = await clientWith().session({ token: limited.id }).service('volumev3').fetch(`/volumes/${seedAt(sp('sp1')).id}`, { serviceProvider: 'sp1' });
    expect(answer.status).to.equal(401);
    await answer.body?.cancel();
    expect(federation.clouds.map((cloud) => cloud.volume.requests.length)).to.deep.equal([0, 0, 0]);
  });

  describe('options', () => {
    const saved = { ...process.env };
    afterEach(() => (process.env = { ...saved }));

    it('a bad option throws at construction, naming it', () => {
      const authUrl = 'http://127.0.0.1:1/v3';
      expect(() => k2kClient({ authUrl, timeoutMs: 0 })).to.throw(/^k2kClient\.timeoutMs: /);
      expect(() => k2kClient({ authUrl, interface: 'sideways' })).to.throw(/^k2kClient\.interface: must be public, internal or admin/);
      expect(() => k2kClient({ authUrl, placement: 'nearest' as 'local' })).to.throw(/^k2kClient\.placement: /);
      expect(() => k2kClient({ authUrl, credentials: { username: 'u', password: 'p' } as unknown as { username: string; password: string; projectName: string } })).to.throw(/^k2kClient\.credentials\.projectName: /);
      expect(() => k2kClient({ authUrl, ...({ serviceProvider: 'sp1' } as object) })).to.throw(/^k2kClient\.serviceProvider: unknown option/);
      expect(() => k2kClient({ authUrl, proxyId: 'a,b' })).to.throw(/^k2kClient\.proxyId: /);
    });

    it('with no options, takes the Keystone and its own user from the OpenStack environment (OS_*)', async () => {
      for (const name of Object.keys(process.env)) if (name.startsWith('OS_')) delete process.env[name];
      expect(() => k2kClient()).to.throw(/^OS_AUTH_URL: is needed to configure k2kClient from the environment \(or give authUrl\)/);
      const { env } = federation;
      Object.assign(process.env, { OS_AUTH_URL: env.idpAuthUrl, OS_USERNAME: env.user, OS_PASSWORD: env.userPassword, OS_PROJECT_NAME: env.idpProject });
      const client = k2kClient({ store });
      clients.push(client);
      const volume = seedAt(sp('sp1'));
      // session() with no token: the environment's user logs in.
      const answer = await client.session().service('block-storage').fetch(`/volumes/${volume.id}`, { serviceProvider: 'sp1' });
      expect(answer.status).to.equal(200);
      await answer.body?.cancel();
    });
  });
});

async function expectRejection(promise: Promise<unknown>, message: RegExp): Promise<void> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error as Error,
  );
  expect(outcome?.message).to.match(message);
}
