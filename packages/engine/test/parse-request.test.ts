import { expect } from 'chai';
import { OpenStackError } from '@k2k/common';
import { parseApiRequest } from '../src/parse/parse-request.js';

const parseRequestPath = (target: string, callerProjectId?: string) => parseApiRequest('GET', target, callerProjectId);

const PROJECT = '0123456789abcdef0123456789abcdef';

describe('parseApiRequest', () => {
  it('takes a Cinder path apart: version, project, resource, id, action', () => {
    expect(parseRequestPath(`/v3/${PROJECT}/volumes/vol-1/action?x=1`)).to.deep.equal({
      method: 'GET',
      prefix: '',
      version: 'v3',
      projectId: PROJECT,
      resourceType: 'volumes',
      resourceId: 'vol-1',
      action: 'action',
      rest: '/volumes/vol-1/action',
      resourcePath: '/volumes/vol-1',
      path: `/v3/${PROJECT}/volumes/vol-1/action`,
      query: '?x=1',
    });
  });

  it('treats detail lists as collections', () => {
    const parsed = parseRequestPath(`/v3/${PROJECT}/volumes/detail?limit=2`);
    expect(parsed).to.include({ resourceType: 'volumes', rest: '/volumes/detail', query: '?limit=2' });
    expect(parsed).to.not.have.property('resourceId');
  });

  it('takes a Glance path without a project', () => {
    expect(parseRequestPath('/v2/images/img-1/file')).to.deep.include({ version: 'v2', resourceType: 'images', resourceId: 'img-1', action: 'file', rest: '/images/img-1/file' });
  });

  it("recognises the caller's project id even when it is not 32 hex digits", () => {
    expect(parseRequestPath('/v2.1/my-project/servers', 'my-project')).to.include({ projectId: 'my-project', resourceType: 'servers' });
    expect(parseRequestPath('/v2.1/servers', 'my-project')).to.not.have.property('projectId');
  });

  it('keeps a prefix before the version and passes unversioned paths whole', () => {
    expect(parseRequestPath(`/volume/v3/${PROJECT}/volumes`)).to.include({ prefix: '/volume', version: 'v3', rest: '/volumes' });
    expect(parseRequestPath('/')).to.deep.equal({ method: 'GET', prefix: '', rest: '/', path: '/', query: '' });
  });

  it('refuses paths that could escape the endpoint', () => {
    for (const path of ['/v3/../admin', '/v3/%2e%2e/admin', '/v3/%2E/admin', '/v3/a%2Fb', '/v3/a%5cb', '/v3/%zz']) {
      expect(() => parseRequestPath(path), path).to.throw(OpenStackError).with.property('status', 400);
    }
  });
});

describe('parseApiRequest: only plain absolute paths', () => {
  it('refuses the absolute form, //host, empty segments and relative targets', () => {
    for (const target of ['http://evil/v3/x', '//evil:1234/x', '/v3//evil/x', 'v3/volumes', '*', '', '/v2/images//']) {
      expect(() => parseRequestPath(target), target).to.throw(OpenStackError).with.property('status', 400);
    }
  });

  it('accepts a trailing slash and the root', () => {
    expect(parseRequestPath('/v3/')).to.include({ version: 'v3', path: '/v3/' });
    expect(parseRequestPath('/')).to.include({ path: '/' });
  });
});

describe('parseApiRequest: control characters and "@"', () => {
  it('refuses a percent-encoded control character in any segment, naming the segment', () => {
    for (const path of ['/v3/volumes/a%00b', '/v3/volumes/x/a%0Ab', '/v3/a%09b', '/v3/a%7F']) {
      expect(() => parseRequestPath(path), path)
        .to.throw(OpenStackError, `The request path segment ${JSON.stringify(path.slice(path.lastIndexOf('/') + 1))} contains a control character`)
        .with.property('status', 400);
    }
  });

  it("leaves an id's '@' in place: only the service's resource types take a qualifier (splitQualifiedId)", () => {
    expect(parseRequestPath(`/v3/${PROJECT}/volumes/vol-1@sp1/action`)).to.deep.include({ resourceId: 'vol-1@sp1', rest: '/volumes/vol-1@sp1/action', path: `/v3/${PROJECT}/volumes/vol-1@sp1/action` });
    expect(parseRequestPath(`/v3/${PROJECT}/capabilities/host@backend%23pool`)).to.deep.include({ resourceType: 'capabilities', resourceId: 'host@backend#pool', rest: '/capabilities/host@backend%23pool' });
    expect(parseRequestPath('/v2/images/plain')).to.not.have.property('qualifier');
  });
});
