import { expect } from 'chai';
import { parseConfig } from '../src/config/config.js';

const BASE = {
  keystone: { auth_url: 'http://127.0.0.1:5000/v3', service_auth: { username: 'k2k', password: 'secret', project_name: 'service' } },
  local: { endpoints: { volumev3: 'http://127.0.0.1:8776/v3/%(project_id)s' } },
  mounts: { '/volume': 'volumev3' },
};
const ADMIN = { username: 'admin', password: 'adminpw', project_name: 'admin' };
const PARSED_ADMIN = { username: 'admin', password: 'adminpw', userDomainName: 'Default', projectName: 'admin', projectDomainName: 'Default' };

describe('gateway config: service_provider_settings, reseller, sync', () => {
  it('reads them, with their defaults', () => {
    const config = parseConfig({
      ...BASE,
      service_provider_settings: {
        sp1: { admin_auth: ADMIN },
        sp2: { identity: 'reseller', admin_auth: ADMIN, grant: { group_name: 'k2k_resellers' } },
      },
      reseller: { secret: 'a-long-enough-reseller-secret' },
      sync: { scope: { tag: 'mirror' }, events: { file: '/var/log/k2k/projects.jsonl' } },
    });
    expect(config.serviceProviderSettings).to.deep.equal({
      sp1: { identity: 'user', adminAuth: PARSED_ADMIN, projectDomainName: 'Default', grant: undefined },
      sp2: {
        identity: 'reseller',
        adminAuth: PARSED_ADMIN,
        projectDomainName: 'Default',
        grant: { groupName: 'k2k_resellers', groupDomainName: 'Default', role: 'member' },
      },
    });
    expect(config.reseller).to.deep.equal({ secret: 'a-long-enough-reseller-secret', projectDomainName: 'Default' });
    expect(config.sync).to.deep.equal({ scope: { tag: 'mirror' }, spTag: 'k2k-sync', onDelete: 'delete', intervalSeconds: 60, leaseSeconds: 300, events: { file: '/var/log/k2k/projects.jsonl' } });
    expect(parseConfig(BASE)).to.deep.include({ serviceProviderSettings: {}, reseller: undefined, sync: undefined });
  });

  const refusals: [string, Record<string, unknown>, RegExp][] = [
    ['an unknown identity', { service_provider_settings: { sp1: { identity: 'anonymous' } } }, /^service_provider_settings\.sp1\.identity: /],
    ['an SP not in service_providers', { service_providers: ['sp1'], service_provider_settings: { sp9: {} } }, /^service_provider_settings\.sp9: "sp9" is not in service_providers/],
    ['a reseller SP without a grant', { service_provider_settings: { sp1: { identity: 'reseller' } }, reseller: { secret: 'a-long-enough-reseller-secret' } }, /^service_provider_settings\.sp1\.grant: required/],
    ['a reseller SP with project_domain_name', { service_provider_settings: { sp1: { identity: 'reseller', project_domain_name: 'x', grant: { group_name: 'g' } } } }, /^service_provider_settings\.sp1\.project_domain_name: not with identity: reseller/],
    ['a reseller SP without reseller', { service_provider_settings: { sp1: { identity: 'reseller', grant: { group_name: 'g' } } } }, /^reseller\.secret: required: service provider sp1/],
    ['a short reseller secret', { reseller: { secret: 'short' } }, /^reseller\.secret: must be at least 16/],
    ['an admin_auth without password', { service_provider_settings: { sp1: { admin_auth: { username: 'admin', project_name: 'admin' } } } }, /^service_provider_settings\.sp1\.admin_auth\.password: /],
    ['a sync without scope', { sync: {} }, /^sync\.scope: required/],
    ['a sync with two scopes', { sync: { scope: { tag: 't', domain_name: 'Default' } } }, /^sync\.scope: give exactly one of domain_name and tag/],
    ['a tag Keystone refuses', { sync: { scope: { tag: 'a/b' } } }, /^sync\.scope\.tag: must be a Keystone tag/],
    ['a bad on_delete', { sync: { scope: { tag: 't' }, on_delete: 'archive' } }, /^sync\.on_delete: /],
    ['a zero interval', { sync: { scope: { tag: 't' }, interval_seconds: 0 } }, /^sync\.interval_seconds: /],
    ['events to nowhere', { sync: { scope: { tag: 't' }, events: {} } }, /^sync\.events: give exactly one of file and url/],
    ['an events URL that is none', { sync: { scope: { tag: 't' }, events: { url: 'ftp://x' } } }, /^sync\.events\.url: must be an http or https URL/],
    ['an unknown sync key', { sync: { scope: { tag: 't' }, every: 5 } }, /every/],
  ];
  for (const [what, extra, message] of refusals) {
    it(`refuses ${what}, naming the key`, () => {
      expect(() => parseConfig({ ...BASE, ...extra })).to.throw(message);
    });
  }
});
