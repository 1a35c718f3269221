import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import { k2kForward, type K2KForwardMiddleware, type PlacementEvent } from '@k2k/k2k-forward';
import { keystoneAuth, type KeystoneAuthMiddleware } from '@k2k/keystone-auth';
import { createStore, type Store } from '@k2k/store';
import { startMemcached, type FederationEnv, type MemcachedServer } from '@k2k/testing';
import { userToken } from '@k2k/k2k-forward/dist/test/gateway-fixture.js';
import { realFederation } from './real-keystone.js';
import { eventually, realServices, type RealServices } from './stock-cli.js';

/** An admin token of a real Keystone, with its project's id (Cinder's quota API takes it in the path). */
async function adminSession(authUrl: string, env: FederationEnv): Promise<{ token: string; projectId: string }> {
  const response = await fetch(`${authUrl}/auth/tokens?nocatalog`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { name: env.adminUser, domain: { id: 'default' }, password: env.adminPassword } } },
        scope: { project: { name: 'admin', domain: { id: 'default' } } },
      },
    }),
  });
  const body = (await response.json()) as { token: { project: { id: string } } };
  return { token: response.headers.get('x-subject-token') ?? '', projectId: body.token.project.id };
}

/**
 * Placement (issue #18) on the real pair's real Cinder: a volume created through k2kForward with no
 * routing header, placed by `headroom` from the two Cinders' own absolute limits (`/limits`, read
 * with the caller's token at the IdP and its K2K token at the SP), lands at the SP, whose quota
 * has room while the IdP project's gigabytes are used up; it is then found again with no header
 * (learned from the create's answer) and deleted the same way.
 */
describe('placement with headroom on the real Cinder services', function () {
  this.timeout(120_000);
  let env: FederationEnv;
  let real: RealServices;
  let memcached: MemcachedServer;
  let store: Store;
  let auth: KeystoneAuthMiddleware;
  let volume: K2KForwardMiddleware;
  let app: express.Express;
  let token: string;
  let idpAdmin: { token: string; projectId: string };
  /** The IdP project's gigabytes quota before the test lowered it */
  let gigabytesBefore: number | undefined;
  let placedId: string | undefined;
  const placements: PlacementEvent[] = [];

  const idpCinder = () => real.idpVolumeEndpoint.replace('/v3/%(project_id)s', '');
  const quotaUrl = () => `${idpCinder()}/v3/${idpAdmin.projectId}/os-quota-sets/${env.idpProjectId}`;
  const volumes = (id = '') => `/volume/v3/${env.idpProjectId}/volumes${id && `/${id}`}`;

  before(async () => {
    env = realFederation();
    real = realServices();
    memcached = await startMemcached();
    store = createStore({ backend: 'memcached', servers: [memcached.location], secret: 'real-keystone-placement-secret' });
    auth = keystoneAuth({ authUrl: env.idpAuthUrl, serviceAuth: { username: env.serviceUser, password: env.servicePassword, projectName: env.serviceProject }, store });
    volume = k2kForward({
      serviceType: real.volumeServiceType,
      authUrl: env.idpAuthUrl,
      store,
      local: real.idpVolumeEndpoint,
      proxyId: 'placement-suite',
      resourceTypes: ['volumes', 'snapshots'],
      placement: 'headroom',
    });
    volume.events.on('placement', (event: PlacementEvent) => placements.push(event));
    app = express();
    app.use(auth);
    app.use('/volume', volume);
    token = await userToken(env);

    // No room left at the IdP's Cinder for the caller's project: its gigabytes quota set to what it uses.
    idpAdmin = await adminSession(env.idpAuthUrl, env);
    const limits = (await request(app).get(`/volume/v3/${env.idpProjectId}/limits`).set('x-auth-token', token).set('service-provider', 'default').expect(200)).body as {
      limits: { absolute: { totalGigabytesUsed: number } };
    };
    const quota = (await fetch(quotaUrl(), { headers: { 'x-auth-token': idpAdmin.token } }).then((r) => r.json())) as { quota_set: { gigabytes: number } };
    gigabytesBefore = quota.quota_set.gigabytes;
    const lowered = await fetch(quotaUrl(), {
      method: 'PUT',
      headers: { 'x-auth-token': idpAdmin.token, 'content-type': 'application/json' },
      body: JSON.stringify({ quota_set: { gigabytes: limits.limits.absolute.totalGigabytesUsed } }),
    });
    expect(lowered.status, await lowered.text()).to.equal(200);
  });

  after(async () => {
    if (placedId) await request(app).delete(volumes(placedId)).set('x-auth-token', token).set('service-provider', env.spId);
    if (gigabytesBefore !== undefined) {
      await fetch(quotaUrl(), {
        method: 'PUT',
        headers: { 'x-auth-token': idpAdmin.token, 'content-type': 'application/json' },
        body: JSON.stringify({ quota_set: { gigabytes: gigabytesBefore } }),
      });
    }
    await volume?.close();
    await auth?.close();
    await store?.close();
    await memcached?.kill();
  });

  it('places a volume with no header where the quota has room (the SP), then finds it again with no header', async () => {
    const name = `placed-${randomBytes(3).toString('hex')}`;
    const created = await request(app).post(volumes()).set('x-auth-token', token).send({ volume: { name, size: 1 } }).expect(202);
    expect(created.headers['x-k2k-service-provider']).to.equal(env.spId);
    placedId = created.body.volume.id as string;
    expect(placements).to.deep.equal([{ policy: 'headroom', target: env.spId, skipped: [] }]);

    // No header: the location learned from the create's answer sends it to the SP, without a search.
    const shown = await eventually('the placed volume available', 60, async () => {
      const answer = await request(app).get(volumes(placedId)).set('x-auth-token', token).expect(200);
      expect(answer.headers['x-k2k-service-provider']).to.equal(env.spId);
      return answer.body.volume.status === 'available' ? answer.body.volume : undefined;
    });
    expect(shown).to.include({ id: placedId, name, size: 1 });

    // The SP's own Cinder has it, in the caller's project there (asked directly, with the SP routing header).
    const listed = await request(app).get(`${volumes()}/detail?name=${name}`).set('x-auth-token', token).set('service-provider', env.spId).expect(200);
    expect(listed.body.volumes.map((v: { id: string }) => v.id)).to.deep.equal([placedId]);

    await request(app).delete(volumes(placedId)).set('x-auth-token', token).expect(202);
    placedId = undefined;
  });
});
