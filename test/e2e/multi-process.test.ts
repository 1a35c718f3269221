import { expect } from 'chai';
import { startFederation, startMemcached, type Federation, type MemcachedServer } from '@k2k/testing';
import { userToken } from '@k2k/k2k-forward/dist/test/gateway-fixture.js';
import type { ServerProcess } from '../support/server-process.js';
import { startGatewayProcess } from './support/processes.js';

describe('two gateway worker processes sharing memcached', function () {
  this.timeout(30_000);
  let federation: Federation;
  let memcached: MemcachedServer;
  let workers: ServerProcess[];

  before(async () => {
    [federation, memcached] = await Promise.all([startFederation(), startMemcached()]);
    workers = await Promise.all([0, 1].map(() => startGatewayProcess(federation.env, memcached.location)));
  });

  after(async () => {
    await Promise.all(workers.map((worker) => worker.stop()));
    await Promise.all([federation.close(), memcached.kill()]);
  });

  it('make one K2K exchange for concurrent first requests of one user, then share the remote token', async () => {
    const token = await userToken(federation.env);
    federation.idp.calls.reset();
    // A slow IdP keeps the first exchange in flight while the other requests arrive.
    federation.idp.faults.set({ latencyMs: 200 }, 'saml2.ecp');
    const path = `/volume/v3/${federation.env.idpProjectId}/volumes`;
    const headers = { 'x-auth-token': token, 'SERVICE-PROVIDER': 'sp1', 'PROJECT-NAME': 'demo', 'PROJECT-DOMAIN': 'Default' };
    const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => fetch(`${workers[i % 2].url}${path}`, { headers })));
    expect(responses.map((r) => r.status)).to.deep.equal(Array(20).fill(200));
    await Promise.all(responses.map((r) => r.body?.cancel()));
    expect(federation.idp.calls.count('saml2.ecp')).to.equal(1);
    expect(federation.sp('sp1').calls.count('federation.auth')).to.equal(1);
    federation.idp.faults.clear();
  });
});
