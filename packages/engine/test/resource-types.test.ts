import { expect } from 'chai';
import { DEFAULT_RESOURCE_TYPES, ResourceTypes } from '../src/learn/resource-types.js';

/** Where each service puts a resource in its answers, and what a probe's answer must be to find one (rule 2.4). */
describe('ResourceTypes', () => {
  const all = new ResourceTypes(Object.values(DEFAULT_RESOURCE_TYPES).flat());
  const id = '3F2A9C1E-0000-4000-8000-00000000CAFE';

  it("describes a resource in its service's own shape, with the id asked for compared as the store compares ids", () => {
    expect(all.describes({ volume: { id, name: 'v' } }, 'volumes', id)).to.equal(true);
    expect(all.describes({ volume: { id: id.toLowerCase().replace(/-/g, '') } }, 'volumes', id)).to.equal(true);
    for (const [type, key] of [
      ['snapshots', 'snapshot'],
      ['backups', 'backup'],
      ['groups', 'group'],
      ['group_snapshots', 'group_snapshot'],
      ['attachments', 'attachment'],
      ['servers', 'server'],
      ['networks', 'network'],
      ['subnets', 'subnet'],
      ['ports', 'port'],
      ['routers', 'router'],
      ['floatingips', 'floatingip'],
      ['security-groups', 'security_group'],
    ]) {
      expect(all.describes({ [key]: { id } }, type, id), type).to.equal(true);
    }
    expect(all.describes({ id, name: 'cirros', status: 'active' }, 'images', id), "Glance's bare image").to.equal(true);
  });

  it("learns the Cinder attachment a create answers (what Nova makes to attach a volume), so Nova's next calls for it follow it", () => {
    const volumes = new ResourceTypes(DEFAULT_RESOURCE_TYPES['block-storage']);
    expect(volumes.has('attachments')).to.equal(true);
    expect(volumes.createdId({ attachment: { id, volume_id: 'v1', status: 'reserved' } }, 'attachments')).to.equal(id);
  });

  it('finds nothing in any other answer: empty, another shape, another id, no id, not an object', () => {
    for (const body of [undefined, null, {}, [], 'text', 42, { volume: {} }, { volume: { id: 'another' } }, { volume: { id: 7 } }, { volume: [{ id }] }, { id }, { volumes: [{ id }] }, { snapshot: { id } }]) {
      expect(all.describes(body, 'volumes', id), JSON.stringify(body)).to.equal(false);
    }
    expect(all.describes({ id: 'another' }, 'images', id)).to.equal(false);
    expect(all.describes({ server: { id } }, 'images', id)).to.equal(false);
  });

  it("takes every id of a bulk create (Neutron's {\"networks\": [...]}), at most the limit; one object's id otherwise", () => {
    const network = new ResourceTypes(DEFAULT_RESOURCE_TYPES.network);
    expect(network.createdIds({ networks: [{ id: 'a' }, { id: 'b' }, { id: 'c' }] }, 'networks', 2)).to.deep.equal(['a', 'b']);
    expect(network.createdIds({ security_groups: [{ id: 'a' }] }, 'security-groups', 10)).to.deep.equal(['a']);
    expect(network.createdIds({ network: { id } }, 'networks', 10)).to.deep.equal([id]);
    expect(network.createdIds({ network: {} }, 'networks', 10)).to.deep.equal([]);
  });
});
