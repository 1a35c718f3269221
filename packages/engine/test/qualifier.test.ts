import { expect } from 'chai';
import { OpenStackError } from '@k2k/common';
import { parseApiRequest } from '../src/parse/parse-request.js';
import { splitQualifiedId, splitQualifiedName } from '../src/parse/qualifier.js';
import { ResourceTypes } from '../src/learn/resource-types.js';
import { MALFORMED_IDS } from './malformed-qualifiers.js';

const PROJECT = '0123456789abcdef0123456789abcdef';
const VOLUMES = new ResourceTypes(['volumes', 'snapshots']);
const split = (path: string) => splitQualifiedId(parseApiRequest('GET', path, PROJECT), VOLUMES);

describe('splitQualifiedId: `<id>@<cloud>` in a resource id of the service', () => {
  it('takes the cloud off `<id>@<cloud>`, written plain or percent-encoded, and leaves the bare id everywhere', () => {
    for (const id of ['vol-1@sp1', 'vol-1%40sp1', 'vol-1%40Sp_1.x~-y']) {
      const cloud = id.endsWith('sp1') ? 'sp1' : 'Sp_1.x~-y';
      expect(split(`/v3/${PROJECT}/volumes/${id}/action?x=1`), id).to.deep.include({
        resourceId: 'vol-1',
        qualifier: cloud,
        rest: '/volumes/vol-1/action',
        resourcePath: '/volumes/vol-1',
        path: `/v3/${PROJECT}/volumes/vol-1/action`,
        query: '?x=1',
      });
    }
    expect(split(`/volume/v3/${PROJECT}/volumes/a%20b@default`)).to.deep.include({ resourceId: 'a b', qualifier: 'default', path: `/volume/v3/${PROJECT}/volumes/a%20b` });
  });

  it('refuses (400) every other id with an "@", naming the qualifier, instead of taking part of it as the id', () => {
    for (const [sent, message] of MALFORMED_IDS) {
      expect(() => split(`/v3/${PROJECT}/volumes/${sent}`), sent)
        .to.throw(OpenStackError, message)
        .with.property('status', 400);
    }
  });

  it("leaves other paths' '@' alone: Cinder's host@backend#pool is no qualifier", () => {
    for (const path of [`/v3/${PROJECT}/capabilities/host@backend%23pool`, `/v3/${PROJECT}/os-hosts/host@backend`, `/v3/${PROJECT}/scheduler-stats/get_pools@x@y`]) {
      const parsed = split(path);
      expect(parsed, path).to.not.have.property('qualifier');
      expect(parsed.path, path).to.equal(path);
    }
    expect(split(`/v3/${PROJECT}/volumes/plain`)).to.not.have.property('qualifier');
  });
});

describe('splitQualifiedName: `<name>@<cloud>` in a create', () => {
  const clouds = new Set(['sp1', 'sp2', 'default']);
  const isCloud = (cloud: string) => clouds.has(cloud);

  it('takes a cloud the caller can use off the end; a name whose suffix is none stays whole', () => {
    expect(splitQualifiedName('backup@sp1', isCloud)).to.deep.equal({ name: 'backup', cloud: 'sp1' });
    expect(splitQualifiedName('me@example.org@sp2', isCloud)).to.deep.equal({ name: 'me@example.org', cloud: 'sp2' });
    for (const name of ['backup', 'backup@home', 'me@example.org', 'a@sp1@home', 'x@sp1\u0000']) expect(splitQualifiedName(name, isCloud), name).to.equal(undefined);
  });

  it('refuses (400) a qualifier with no name, two clouds, a doubled "@" or an empty cloud, naming it', () => {
    const malformed: [string, string][] = [
      ['@sp1', '@sp1'],
      ['x@sp1@sp2', '@sp1@sp2'],
      ['x@@sp1', '@@sp1'],
      ['x@', '@'],
      ['@', '@'],
    ];
    for (const [name, qualifier] of malformed) {
      expect(() => splitQualifiedName(name, isCloud), name)
        .to.throw(OpenStackError, `Malformed qualifier ${JSON.stringify(qualifier)} in the new name ${JSON.stringify(name)}`)
        .with.property('status', 400);
    }
  });
});
