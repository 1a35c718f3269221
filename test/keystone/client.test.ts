import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { k2kClient, type ExchangeEvent, type K2KClient, type K2KClientOptions, type ProbeEvent, type ServiceClient } from '@k2k/client';
import { createStore, type Store } from '@k2k/store';
import { startMemcached, type FederationEnv, type MemcachedServer } from '@k2k/testing';
import { userToken } from '@k2k/k2k-forward/dist/test/gateway-fixture.js';
import { realFederation } from './real-keystone.js';
import { eventually, realServices, type RealServices } from './stock-cli.js';

const SECRET = 'real-keystone-client-secret-0123';

interface VolumeBody {
  volume: { id: string; name: string; status: string };
}

/**
 * k2kClient (DESIGN "The outgoing path") against the real Keystone pair and the real Cinder of
 * each cloud: the simulator suite's scenario (packages/client/test/client.test.ts). A volume made
 * at the SP is reached with serviceProvider, then with nothing (learned); a client with an empty
 * store finds it by search; the merged list of both Cinders is paged to the end (the SP's Cinder
 * pages by 2); a create with no header is placed by a placement function; a second process on the
 * same memcached reaches the volume with no exchange and no probe.
 */
describe('k2kClient on the real Keystone pair and the real Cinder services', function () {
  this.timeout(120_000);
  let env: FederationEnv;
  let real: RealServices;
  let memcached: MemcachedServer;
  let store: Store;
  let token: string;
  const clients: K2KClient[] = [];
  /** Volumes this suite made (at the SP, unless said), deleted at the end */
  const made: { id: string; serviceProvider: string }[] = [];

  const clientWith = (options: K2KClientOptions = {}): K2KClient => {
    // The real Cinder's catalog type is one of the harness's own: it speaks block-storage's API.
    const client = k2kClient({ authUrl: env.idpAuthUrl, store, proxyId: 'real-client-suite', apis: { [real.volumeServiceType]: 'block-storage' }, ...options });
    clients.push(client);
    return client;
  };
  const volumesOf = (client: K2KClient): ServiceClient => client.session({ token }).service(real.volumeServiceType);
  const json = { 'content-type': 'application/json' };
  const available = (volumes: ServiceClient, id: string) =>
    eventually(`volume ${id} available`, 60, async () => {
      const answer = await volumes.fetch(`/volumes/${id}`);
      const body = (await answer.json()) as VolumeBody;
      return body.volume?.status === 'available' ? answer : undefined;
    });

  before(async () => {
    env = realFederation();
    real = realServices();
    memcached = await startMemcached();
    store = createStore({ backend: 'memcached', servers: [memcached.location], secret: SECRET });
    token = await userToken(env);
  });

  after(async () => {
    const cleaner = clients[0] && volumesOf(clients[0]);
    for (const { id, serviceProvider } of made) await cleaner?.fetch(`/volumes/${id}`, { method: 'DELETE', serviceProvider }).then((r) => r.body?.cancel());
    await Promise.all(clients.map((client) => client.close()));
    await store?.close();
    await memcached?.kill();
  });

  it('a volume at the SP: made and reached with serviceProvider, then, learned, with nothing; a client with an empty store finds it by search', async () => {
    const volumes = volumesOf(clientWith());
    const name = `client-${randomBytes(3).toString('hex')}`;
    const created = await volumes.fetch('/volumes', { method: 'POST', headers: json, body: JSON.stringify({ volume: { name, size: 1 } }), serviceProvider: env.spId });
    expect(created.status).to.equal(202);
    const { id } = ((await created.json()) as VolumeBody).volume;
    made.push({ id, serviceProvider: env.spId });
    await available(volumes, id);
    const named = await volumes.fetch(`/volumes/${id}`, { serviceProvider: env.spId });
    expect(named.headers.get('x-k2k-service-provider')).to.equal(env.spId);
    expect(((await named.json()) as VolumeBody).volume.name).to.equal(name);
    const learned = await volumes.fetch(`/volumes/${id}`);
    expect(learned.status).to.equal(200);
    expect(learned.headers.get('x-k2k-service-provider')).to.equal(env.spId);
    await learned.body?.cancel();

    const searching = clientWith({ store: createStore() });
    const probes: ProbeEvent[] = [];
    searching.events.on('probe', (event: ProbeEvent) => probes.push(event));
    const found = await volumesOf(searching).fetch(`/volumes/${id}`);
    expect(found.status).to.equal(200);
    expect(found.headers.get('x-k2k-service-provider')).to.equal(env.spId);
    await found.body?.cancel();
    expect(probes.map((p) => `${p.serviceProvider ?? 'local'}:${p.outcome}`)).to.include(`${env.spId}:found`);
  });

  it('pages the merged list of both Cinders to the end, following its next links', async () => {
    const volumes = volumesOf(clientWith());
    // One at home too (the local cloud's name keeps a create local): the list merges both clouds.
    const created = await volumes.fetch('/volumes', { method: 'POST', headers: json, body: JSON.stringify({ volume: { name: `home-${randomBytes(3).toString('hex')}`, size: 1 } }), serviceProvider: 'default' });
    expect(created.status).to.equal(202);
    const home = ((await created.json()) as VolumeBody).volume.id;
    made.push({ id: home, serviceProvider: 'default' });
    await available(volumes, home); // deletable at the end
    const seen: string[] = [];
    let next: string | undefined = '/volumes?limit=1&sort=id:asc';
    let pages = 0;
    for (; next && pages < 50; pages++) {
      const answer = await volumes.fetch(next);
      expect(answer.status).to.equal(200);
      const body = (await answer.json()) as { volumes: { id: string }[]; volumes_links?: { rel: string; href: string }[] };
      seen.push(...body.volumes.map((v) => v.id));
      next = body.volumes_links?.find((link) => link.rel === 'next')?.href;
    }
    expect(next).to.equal(undefined);
    expect(seen).to.include.members(made.map((volume) => volume.id));
    expect(new Set(seen).size).to.equal(seen.length);
    // One volume a page (the last may be empty, as Cinder's own can be)
    expect(pages).to.be.within(seen.length, seen.length + 1);
  });

  it('places a create with no header where a placement function says (the SP), and a second process on the same memcached reaches it with no exchange and no probe', async () => {
    const client = clientWith({ placement: (_request, candidates) => candidates.find((c) => c.kind === 'service-provider')?.name });
    const volumes = volumesOf(client);
    const created = await volumes.fetch('/volumes', { method: 'POST', headers: json, body: JSON.stringify({ volume: { name: `placed-${randomBytes(3).toString('hex')}`, size: 1 } }) });
    expect(created.status).to.equal(202);
    expect(created.headers.get('x-k2k-service-provider')).to.equal(env.spId);
    const { id } = ((await created.json()) as VolumeBody).volume;
    made.push({ id, serviceProvider: env.spId });
    await available(volumes, id);

    const script = require.resolve('@k2k/client/dist/test/fixtures/second-process.js');
    const childEnv = {
      ...process.env,
      K2K_MEMCACHED: memcached.location,
      K2K_SECRET: SECRET,
      K2K_AUTH_URL: env.idpAuthUrl,
      K2K_TOKEN: token,
      K2K_PATH: `/volumes/${id}`,
      K2K_SERVICE_TYPE: real.volumeServiceType,
      K2K_API: 'block-storage',
    };
    const { stdout } = await promisify(execFile)(process.execPath, [script], { env: childEnv, timeout: 60_000 });
    const outcome = JSON.parse(stdout) as { status: number; serviceProvider: string; id: string; exchanges: ExchangeEvent[]; probes: ProbeEvent[] };
    expect(outcome).to.deep.include({ status: 200, serviceProvider: env.spId, id, exchanges: [], probes: [] });
  });
});
