import { expect } from 'chai';
import { startFederation, type Federation } from '@k2k/testing';
import { parseConfig } from '../src/config/config.js';
import { createLogger } from '../src/app/logger.js';
import { runGateway, type RunningGateway } from '../src/serve/server.js';

describe('the admin listener', () => {
  let federation: Federation;
  let running: RunningGateway;

  before(async () => {
    federation = await startFederation();
    const config = parseConfig({
      listen: { host: '127.0.0.1', port: 0 },
      admin_listen: { host: '127.0.0.1', port: 0 },
      keystone: { auth_url: federation.env.idpAuthUrl, service_auth: { username: 'k2k', password: 'secret', project_name: 'service' } },
      local: { endpoints: { volumev3: federation.env.idpVolumeEndpoint } },
      mounts: { '/volume': 'volumev3' },
      drain: { grace_seconds: 1, timeout_seconds: 1 },
    });
    running = await runGateway(config, createLogger('silent'));
  });

  after(async () => {
    await running.stop();
    await federation.close();
  });

  const publicUrl = (path: string) => `http://127.0.0.1:${running.port}${path}`;
  const adminUrl = (path: string) => `http://127.0.0.1:${running.adminPort}${path}`;

  it('serves /healthz and /metrics, and nothing else', async () => {
    expect(running.adminPort).to.be.a('number').and.not.equal(running.port);
    const token = federation.idp.issueToken('alice', 'demo');
    expect((await fetch(publicUrl(`/volume/v3/${federation.env.idpProjectId}/volumes`), { headers: { 'x-auth-token': token } })).status).to.equal(200);
    const health = await fetch(adminUrl('/healthz'));
    expect(health.status).to.equal(200);
    expect(await health.json()).to.deep.equal({ status: 'ok' });
    const metrics = await fetch(adminUrl('/metrics'));
    expect(metrics.status).to.equal(200);
    expect(await metrics.text()).to.match(/^k2k_requests_total\{mount="\/volume",service_provider="local",method="GET",code="200"\} 1$/m);
    expect((await fetch(adminUrl(`/volume/v3/${federation.env.idpProjectId}/volumes`), { headers: { 'x-auth-token': token } })).status).to.equal(404);
  });

  it('takes /healthz and /metrics off the public port', async () => {
    const token = federation.idp.issueToken('alice', 'demo');
    for (const path of ['/healthz', '/metrics']) {
      const answer = await fetch(publicUrl(path), { headers: { 'x-auth-token': token } });
      expect(answer.status, path).to.equal(404);
      expect(await answer.text(), path).to.not.match(/"status":"ok"|k2k_requests_total/);
    }
  });
});
