import { expect } from 'chai';
import { once } from 'node:events';
import { startFederation, type Federation } from '@k2k/testing';
import { startGatewayProcess, type GatewayProcess } from '../src/serve/start-gateway.js';
import { configFolder, getOnNewConnection, stopGateway, until } from './fixtures.js';

describe('draining on SIGTERM', function () {
  this.timeout(15_000);
  const folder = configFolder();
  let federation: Federation;
  let gateway: GatewayProcess | undefined;

  before(async () => {
    federation = await startFederation();
  });

  afterEach(async () => {
    federation.cloud('idp').volume.faults.clear();
    await stopGateway(gateway);
    gateway = undefined;
  });

  after(async () => {
    await federation.close();
    folder.remove();
  });

  function start(drain: { grace_seconds: number; timeout_seconds: number }): Promise<GatewayProcess> {
    const file = folder.write('gateway.json', {
      listen: { host: '127.0.0.1', port: 0 },
      keystone: { auth_url: federation.env.idpAuthUrl, service_auth: { username: 'k2k', password: 'secret', project_name: 'service' } },
      local: { endpoints: { volumev3: federation.env.idpVolumeEndpoint } },
      mounts: { '/volume': 'volumev3' },
      drain,
      log_level: 'silent',
    });
    return startGatewayProcess(file);
  }

  const volumes = (gateway: GatewayProcess) => getOnNewConnection(`${gateway.url}/volume/v3/${federation.env.idpProjectId}/volumes`, { 'x-auth-token': federation.idp.issueToken('alice', 'demo') });

  it('answers /healthz 503 at once, keeps serving requests for the grace, then stops', async () => {
    gateway = await start({ grace_seconds: 2, timeout_seconds: 1 });
    const exited = once(gateway.child, 'exit');
    const signalled = Date.now();
    gateway.child.kill('SIGTERM');
    await until(async () => (await getOnNewConnection(`${gateway!.url}/healthz`)).status === 503, 1000);
    expect((await volumes(gateway)).status).to.equal(200);
    expect(Date.now() - signalled).to.be.below(1500);
    const [code] = await exited;
    expect(code).to.equal(0);
    expect(Date.now() - signalled).to.be.within(1900, 4000);
  });

  it('after the grace, refuses new connections and lets a request in flight finish within the timeout', async () => {
    gateway = await start({ grace_seconds: 1, timeout_seconds: 3 });
    const exited = once(gateway.child, 'exit');
    federation.cloud('idp').volume.faults.set({ latencyMs: 1500 });
    const inFlight = volumes(gateway); // answered about 0.5 s after the listener closed
    await new Promise((resolve) => setTimeout(resolve, 50));
    gateway.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 1300));
    const refused = await getOnNewConnection(`${gateway.url}/healthz`).then(
      () => undefined,
      (error: NodeJS.ErrnoException) => error.code,
    );
    expect(refused).to.equal('ECONNREFUSED');
    expect((await inFlight).status).to.equal(200);
    expect((await exited)[0]).to.equal(0);
  });

  it('cuts a request still in flight at the end of the timeout', async () => {
    gateway = await start({ grace_seconds: 0, timeout_seconds: 1 });
    federation.cloud('idp').volume.faults.set({ latencyMs: 5000 });
    const inFlight = volumes(gateway).then(
      () => 'answered',
      () => 'cut',
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const signalled = Date.now();
    expect(await gateway.stop()).to.equal(0);
    expect(await inFlight).to.equal('cut');
    expect(Date.now() - signalled).to.be.within(900, 2500);
  });
});
