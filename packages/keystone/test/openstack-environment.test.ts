import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestCa } from '@k2k/testing';
import { authFromEnvironment } from '../src/openstack-environment.js';

describe('the OpenStack environment (OS_* variables, clouds.yaml)', () => {
  let dir: string;

  before(() => (dir = mkdtempSync(join(tmpdir(), 'k2k-env-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads OS_* variables, adding /v3 to an unversioned auth URL', () => {
    const env = { OS_AUTH_URL: 'http://127.0.0.1:5000', OS_USERNAME: 'cinder', OS_PASSWORD: 'pw', OS_PROJECT_NAME: 'service', OS_USER_DOMAIN_NAME: 'Default' };
    expect(authFromEnvironment(env)).to.deep.equal({
      authUrl: 'http://127.0.0.1:5000/v3',
      serviceAuth: { username: 'cinder', password: 'pw', projectName: 'service', userDomainName: 'Default' },
    });
  });

  it('reads the cloud OS_CLOUD names in clouds.yaml', () => {
    const file = join(dir, 'clouds.yaml');
    writeFileSync(file, 'clouds:\n  mine:\n    auth:\n      auth_url: http://ks:5000/v3\n      username: glance\n      password: s3cret\n      project_name: service\n      project_domain_id: default\n');
    expect(authFromEnvironment({ OS_CLOUD: 'mine', OS_CLIENT_CONFIG_FILE: file })).to.deep.equal({
      authUrl: 'http://ks:5000/v3',
      serviceAuth: { username: 'glance', password: 's3cret', projectName: 'service', projectDomainId: 'default' },
    });
    expect(() => authFromEnvironment({ OS_CLOUD: 'other', OS_CLIENT_CONFIG_FILE: file })).to.throw(/^OS_CLOUD: .* has no cloud "other"/);
  });

  it('reads an application credential (OS_AUTH_TYPE=v3applicationcredential, or auth_type in clouds.yaml)', () => {
    const env = { OS_AUTH_TYPE: 'v3applicationcredential', OS_AUTH_URL: 'http://ks:5000/v3', OS_APPLICATION_CREDENTIAL_ID: 'ac1', OS_APPLICATION_CREDENTIAL_SECRET: 'acs' };
    expect(authFromEnvironment(env)).to.deep.equal({ authUrl: 'http://ks:5000/v3', serviceAuth: { applicationCredentialId: 'ac1', applicationCredentialSecret: 'acs' } });
    const file = join(dir, 'clouds-ac.yaml');
    writeFileSync(file, 'clouds:\n  mine:\n    auth_type: v3applicationcredential\n    auth:\n      auth_url: http://ks:5000\n      application_credential_name: gw\n      application_credential_secret: acs\n      username: k2k\n      user_domain_name: Default\n');
    expect(authFromEnvironment({ OS_CLOUD: 'mine', OS_CLIENT_CONFIG_FILE: file })).to.deep.equal({
      authUrl: 'http://ks:5000/v3',
      serviceAuth: { applicationCredentialSecret: 'acs', applicationCredentialName: 'gw', username: 'k2k', userDomainName: 'Default' },
    });
    expect(() => authFromEnvironment({ ...env, OS_AUTH_TYPE: 'token' })).to.throw(/^OS_AUTH_TYPE: must be password, v3password or v3applicationcredential/);
    expect(() => authFromEnvironment({ OS_AUTH_TYPE: 'v3applicationcredential', OS_AUTH_URL: 'http://ks:5000/v3', OS_APPLICATION_CREDENTIAL_ID: 'ac1' })).to.throw(/^OS_APPLICATION_CREDENTIAL_SECRET: is needed/);
  });

  it('reads the CA bundle OS_CACERT (or the cloud\'s cacert in clouds.yaml) names', async () => {
    const { ca } = await createTestCa();
    const bundle = join(dir, 'ca.pem');
    writeFileSync(bundle, ca);
    const env = { OS_AUTH_URL: 'https://ks:5000/v3', OS_USERNAME: 'cinder', OS_PASSWORD: 'pw', OS_PROJECT_NAME: 'service' };
    expect(authFromEnvironment({ ...env, OS_CACERT: bundle }).ca).to.deep.equal([ca]);
    const file = join(dir, 'clouds-ca.yaml');
    writeFileSync(file, `clouds:\n  mine:\n    cacert: ${bundle}\n    auth:\n      auth_url: https://ks:5000/v3\n      username: glance\n      password: s3cret\n      project_name: service\n`);
    expect(authFromEnvironment({ OS_CLOUD: 'mine', OS_CLIENT_CONFIG_FILE: file }).ca).to.deep.equal([ca]);
    expect(() => authFromEnvironment({ ...env, OS_CACERT: join(dir, 'missing.pem') })).to.throw(/^OS_CACERT: cannot read/);
    expect(() => authFromEnvironment({ ...env, OS_CACERT: file })).to.throw(/^OS_CACERT: holds no PEM certificate/);
  });

  it('names what is missing, and what for', () => {
    expect(() => authFromEnvironment({ OS_AUTH_URL: 'http://ks:5000/v3', OS_USERNAME: 'cinder', OS_PROJECT_NAME: 'service' })).to.throw(/^OS_PASSWORD: is needed to configure keystoneAuth/);
    expect(() => authFromEnvironment({ OS_AUTH_URL: 'http://ks:5000/v3' }, 'configure k2kClient')).to.throw(/^OS_USERNAME: is needed to configure k2kClient$/);
  });
});
