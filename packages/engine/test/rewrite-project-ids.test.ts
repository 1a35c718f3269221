import { expect } from 'chai';
import { rewriteProjectIds } from '../src/answer/rewrite-project-ids.js';

const IDP_PARTNER = '0f0e0d0c0b0a09080706050403020100';
const SP_PARTNER = 'aaaabbbbccccddddeeeeffff00001111';
const local = (id: string) => (id === SP_PARTNER ? IDP_PARTNER : undefined);

/** Step 6 for an SP's answer naming projects (Glance's image members): its ids as the caller's. No federation. */
describe('rewriteProjectIds', () => {
  it("names a member by the caller's id, in one member and in a list, leaving the rest as it came", () => {
    const one = { member_id: SP_PARTNER, image_id: 'i1', status: 'pending', schema: '/v2/schemas/member' };
    expect(JSON.parse(rewriteProjectIds(Buffer.from(JSON.stringify(one)), { places: [{ key: 'member_id' }], local }).toString())).to.deep.equal({ ...one, member_id: IDP_PARTNER });
    const list = { members: [one, { ...one, member_id: 'unlinked' }], schema: '/v2/schemas/members' };
    const rewritten = JSON.parse(rewriteProjectIds(Buffer.from(JSON.stringify(list)), { places: [{ key: 'member_id' }], local }).toString()) as typeof list;
    expect(rewritten.members.map((m) => m.member_id)).to.deep.equal([IDP_PARTNER, 'unlinked']);
  });

  it("rewrites a key only under its parent: Cinder's quota_set.id and each volume_type_access item's project_id, not another id", () => {
    const places = [{ key: 'id', parent: 'quota_set' }, { key: 'project_id', parent: 'volume_type_access' }];
    const quota = { quota_set: { id: SP_PARTNER, volumes: 10 }, id: SP_PARTNER };
    expect(JSON.parse(rewriteProjectIds(Buffer.from(JSON.stringify(quota)), { places, local }).toString())).to.deep.equal({ quota_set: { id: IDP_PARTNER, volumes: 10 }, id: SP_PARTNER });
    const access = { volume_type_access: [{ project_id: SP_PARTNER, volume_type_id: 't1' }] };
    expect(JSON.parse(rewriteProjectIds(Buffer.from(JSON.stringify(access)), { places, local }).toString())).to.deep.equal({ volume_type_access: [{ project_id: IDP_PARTNER, volume_type_id: 't1' }] });
  });

  it('returns the same bytes when nothing changes, or the body is not JSON', () => {
    for (const text of [JSON.stringify({ member_id: 'unlinked', owner: SP_PARTNER }), '<html>404</html>']) {
      const bytes = Buffer.from(text);
      expect(rewriteProjectIds(bytes, { places: [{ key: 'member_id' }], local })).to.equal(bytes);
    }
  });
});
