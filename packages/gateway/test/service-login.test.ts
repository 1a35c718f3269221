import { expect } from 'chai';
import request from 'supertest';
import { Writable } from 'node:stream';
import { startFederation, type Federation } from '@k2k/testing';
import { parseConfig } from '../src/config/config.js';
import { createGateway } from '../src/app/gateway.js';
import { createLogger } from '../src/app/logger.js';
import { configFor } from './fixtures.js';

/** keystone.service_auth (and admin_auth) as a password or as an application credential of the service user. */
describe('gateway config: the service user logs in with a password or an application credential', () => {
  let federation: Federation;

  before(async () => {
    federation = await startFederation({ serviceProviders: ['sp1'] });
  });

  after(() => federation.close());

  const base = (serviceAuth: object) => ({
    keystone: { auth_url: 'http://127.0.0.1:5000/v3', service_auth: serviceAuth },
    local: { endpoints: { volumev3: 'http://127.0.0.1:8776/v3/%(project_id)s' } },
    mounts: { '/volume': 'volumev3' },
  });

  it('reads an application credential by id, or by name with its user', () => {
    expect(parseConfig(base({ application_credential_id: 'ac1', application_credential_secret: 's' })).keystone.serviceAuth).to.deep.equal({
      applicationCredentialId: 'ac1',
      applicationCredentialSecret: 's',
      userDomainName: 'Default',
    });
    expect(parseConfig(base({ application_credential_name: 'gw', username: 'k2k', application_credential_secret: 's' })).keystone.serviceAuth).to.deep.equal({
      applicationCredentialName: 'gw',
      username: 'k2k',
      applicationCredentialSecret: 's',
      userDomainName: 'Default',
    });
  });

  it('refuses a half-given application credential, naming the key', () => {
    expect(() => parseConfig(base({ application_credential_secret: 's' }))).to.throw(/keystone\.service_auth\.application_credential_id: required with application_credential_secret/);
    expect(() => parseConfig(base({ application_credential_name: 'gw', application_credential_secret: 's' }))).to.throw(/keystone\.service_auth\.username/);
    expect(() => parseConfig(base({ application_credential_id: 'ac1', application_credential_secret: 's', password: 'x' }))).to.throw(/keystone\.service_auth\.password: unknown option/);
  });

  it('validates tokens with the service user logged in by its application credential', async () => {
    const id = federation.idp.addApplicationCredential('k2k', 'service', 'gateway', 'gateway-secret');
    const config = configFor(federation, { keystone: { auth_url: federation.env.idpAuthUrl, service_auth: { application_credential_id: id, application_credential_secret: 'gateway-secret' } } });
    const gateway = createGateway(config, createLogger('silent', new Writable({ write: (_chunk, _encoding, done) => done() })));
    try {
      const token = federation.idp.issueToken('alice', 'demo');
      await request(gateway.app).get(`/volume/v3/${federation.env.idpProjectId}/volumes`).set({ 'x-auth-token': token, 'SERVICE-PROVIDER': 'sp1' }).expect(200);
      // the gateway's own token came from the credential: the IdP issued one by that method, for the service user
      expect(federation.idp.tokens.all().some((issued) => issued.methods.includes('application_credential') && issued.applicationCredential?.id === id)).to.equal(true);
    } finally {
      await gateway.close();
    }
  });
});
