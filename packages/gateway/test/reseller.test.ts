import { expect } from 'chai';
import request from 'supertest';
import { pseudonymousProjectName } from '@k2k/k2k-forward';
import { SEED, startFederation, type Federation } from '@k2k/testing';
import { createGateway } from '../src/app/gateway.js';
import { createLogger } from '../src/app/logger.js';
import { runSyncCommand } from '../src/sync/sync-command.js';
import { configFor } from './fixtures.js';

const SECRET = 'gateway-reseller-test-secret';
const ADMIN = { username: 'admin', password: 'adminpw', project_name: 'admin' };

describe('the gateway as a reseller at sp1 (in-process, after k2k-gateway sync)', () => {
  let federation: Federation;
  const logger = createLogger('silent');

  before(async () => {
    federation = await startFederation();
  });

  after(() => federation.close());

  const config = () =>
    configFor(federation, {
      keystone: { auth_url: federation.env.idpAuthUrl, service_auth: { username: 'k2k', password: 'secret', project_name: 'service' }, admin_auth: ADMIN },
      service_provider_settings: { sp1: { identity: 'reseller', admin_auth: ADMIN, grant: { group_name: SEED.resellerGroup } } },
      reseller: { secret: SECRET },
      sync: { scope: { domain_name: 'Default' } },
    });

  it("reaches sp1 as the service user in the customer's pseudonymous project that sync made, and sp2 as the caller", async () => {
    const lines: string[] = [];
    const report = await runSyncCommand(config(), { once: true, dryRun: false }, (line) => lines.push(line), logger);
    expect(report.failures, lines.join('\n')).to.equal(0);
    const customer = federation.sp('sp1').directory.project({ name: pseudonymousProjectName(SECRET, federation.env.idpProjectId), domain: { id: 'default' } });
    expect(customer).to.not.equal(undefined);

    const gateway = createGateway(config(), logger);
    try {
      const token = federation.idp.issueToken('alice', 'demo');
      const path = `/volume/v3/${federation.env.idpProjectId}/volumes`;
      await request(gateway.app).get(path).set('x-auth-token', token).set({ 'SERVICE-PROVIDER': 'sp1', 'X-Forwarded-For': '203.0.113.5' }).expect(200);
      await request(gateway.app).get(path).set('x-auth-token', token).set('SERVICE-PROVIDER', 'sp2').expect(200);
      const userAt = (cloud: string, remoteToken: unknown) => {
        const check = federation.sp(cloud).inspectToken(String(remoteToken));
        return check.ok ? [federation.sp(cloud).directory.user({ id: check.token.userId })?.name, check.token.projectId] : [];
      };
      const [atSp1] = federation.cloud('sp1').volume.requests;
      expect(atSp1.path).to.equal(`/v3/${customer?.id}/volumes`);
      expect(userAt('sp1', atSp1.headers['x-auth-token'])).to.deep.equal(['k2k', customer?.id]);
      expect(atSp1.headers).to.not.have.property('x-forwarded-for');
      const [atSp2] = federation.cloud('sp2').volume.requests;
      expect(userAt('sp2', atSp2.headers['x-auth-token'])).to.deep.equal(['alice', federation.cloud('sp2').projects.demo.id]);
    } finally {
      await gateway.close();
    }
  });
});
