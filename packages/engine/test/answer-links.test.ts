import { expect } from 'chai';
import type { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { silentLogger } from '@k2k/common';
import { AnswerLinks } from '../src/answer/answer-links.js';
import type { Call } from '../src/call.js';
import type { Destination } from '../src/execute/cloud-address.js';
import type { RemoteSession } from '../src/execute/remote-session.js';

const LOCAL_PROJECT = 'local-project';
const REMOTE_PROJECT = 'remote-project';
const SP_ENDPOINT = new URL(`http://sp1.example:8776/v3/${REMOTE_PROJECT}`);
const LOCAL_ENDPOINT = new URL('http://cinder.example:8776/v3/%(project_id)s');

/** A request to the mount /volume of a gateway reached as gw.example:8080. */
function call(): Call {
  const req = Object.assign(Object.create(null) as IncomingMessage, { headers: { host: 'gw.example:8080' }, socket: new Socket(), baseUrl: '/volume' });
  return { req, request: { projectId: LOCAL_PROJECT }, identity: undefined, requestId: 'req-1' } as unknown as Call;
}

const remote: Destination = { kind: 'remote', serviceProvider: { id: 'sp1' } as never, session: { projectId: REMOTE_PROJECT } as RemoteSession };
const local: Destination = { kind: 'local' };

describe('AnswerLinks: how the links of one answer are rewritten', () => {
  const links = new AnswerLinks({ endpoint: (destination) => (destination.kind === 'remote' ? SP_ENDPOINT : LOCAL_ENDPOINT) }, undefined, 1024, silentLogger);

  it('maps the root of the endpoint to the mount the request came to, and the remote project to the project of the caller', () => {
    const { map, limitBytes } = links.of(call(), remote);
    expect(map.upstream.href).to.equal('http://sp1.example:8776/');
    expect(map.proxy.href).to.equal('http://gw.example:8080/volume');
    expect(map.project).to.deep.equal({ remote: REMOTE_PROJECT, local: LOCAL_PROJECT });
    expect(limitBytes).to.equal(1024);
  });

  it('names no project to swap for the local cloud, and takes the configured public URL when there is one', () => {
    const withPublicUrl = new AnswerLinks({ endpoint: () => LOCAL_ENDPOINT }, new URL('https://gw.public/volume'), 1024, silentLogger);
    const { map } = withPublicUrl.of(call(), local);
    expect(map.project).to.equal(undefined);
    expect(map.proxy.href).to.equal('https://gw.public/volume');
  });

  // A getter in an object literal would give every answer a hidden class of its own, which V8
  // keeps in its old generation: each request's objects then survived young-generation collections.
  it('gives the map of every answer one shape: the lazy proxy URL is a getter of the prototype, not of each map', () => {
    const first = links.of(call(), remote).map;
    const second = links.of(call(), local).map;
    expect(Object.getOwnPropertyDescriptor(first, 'proxy')).to.equal(undefined);
    expect(Object.getPrototypeOf(first)).to.equal(Object.getPrototypeOf(second));
  });
});
