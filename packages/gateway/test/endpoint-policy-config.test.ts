import { expect } from 'chai';
import { parseConfig } from '../src/config/config.js';
import { virtualRegionNames } from '../src/config/endpoint-policy-config.js';

const BASE = {
  keystone: { auth_url: 'http://127.0.0.1:5000/v3', service_auth: { username: 'k2k', password: 'secret', user_domain_name: 'Default', project_name: 'service', project_domain_name: 'Default' } },
  local: { endpoints: { volumev3: 'http://127.0.0.1:8776/v3/%(project_id)s' } },
  mounts: { '/volume': 'volumev3' },
};
const withPolicy = (endpoint_policy: unknown) => parseConfig({ ...BASE, endpoint_policy });

describe('gateway config: endpoint_policy', () => {
  it('is open by default, or catalog, or rules in k2kForward\'s form', () => {
    expect(parseConfig(BASE).endpointPolicy).to.equal('open');
    expect(withPolicy('catalog').endpointPolicy).to.equal('catalog');
    const rules = withPolicy({
      rules: [
        { projects: ['demo'], service_providers: ['sp1'], service_types: ['volumev3'], interfaces: ['public'], regions: ['sp1'] },
        { roles: ['admin'], domains: ['Default'] },
      ],
    }).endpointPolicy;
    expect(rules).to.deep.equal({
      rules: [
        { projects: ['demo'], serviceProviders: ['sp1'], serviceTypes: ['volumev3'], interfaces: ['public'], regions: ['sp1'] },
        { roles: ['admin'], domains: ['Default'] },
      ],
    });
  });

  it('refuses a bad policy, naming the config key', () => {
    expect(() => withPolicy('closed')).to.throw(/endpoint_policy: must be open, catalog or \{rules: \[\.\.\.\]\}/);
    expect(() => withPolicy({ grants: [] })).to.throw(/endpoint_policy\.grants: unknown option/);
    expect(() => withPolicy({ rules: {} })).to.throw(/endpoint_policy\.rules: must be a list of grants/);
    expect(() => withPolicy({ rules: [{ serviceProviders: ['sp1'] }] })).to.throw(/endpoint_policy\.rules\[0\]\.serviceProviders: unknown option; did you mean "service_providers"\?/);
    expect(() => withPolicy({ rules: [{ projects: [] }] })).to.throw(/endpoint_policy\.rules\[0\]\.projects: must be a non-empty list/);
    expect(() => withPolicy({ rules: [{ interfaces: ['public', 'outside'] }] })).to.throw(/endpoint_policy\.rules\[0\]\.interfaces\[1\]: must be public, internal or admin/);
  });

  it("names the virtual regions of each service provider's default endpoints; region-pinned ones and passthrough targets are checked by their own name", () => {
    expect(
      virtualRegionNames([
        { name: 'sp1', serviceProvider: 'sp1', token: 'k2k' },
        { name: 'sp1.RegionTwo', serviceProvider: 'sp1', region: 'RegionTwo', token: 'k2k' },
        { name: 'two', serviceProvider: 'two', region: 'RegionTwo', token: 'passthrough' },
      ]),
    ).to.deep.equal({ sp1: ['sp1'] });
  });
});
