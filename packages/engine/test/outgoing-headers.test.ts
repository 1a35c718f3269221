import { expect } from 'chai';
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import type { Call } from '../src/call.js';
import { HeaderPolicy } from '../src/execute/outgoing-headers.js';

const callWith = (headers: Record<string, string>): Call => {
  const req = new IncomingMessage(new Socket());
  req.headers = headers;
  return { req, upstreamRequestId: 'req-1', proxyList: 'k2k' } as Call;
};
const address = (serviceProvider?: string) => ({ url: new URL('http://sp1.example/v3/p/groups/g1'), token: 'sp-token', where: 'sp1', ...(serviceProvider && { serviceProvider }) });

/** Tempest (issue #30, cause 3): Cinder answers 404 for groups below 3.13, so a probe must ask at the caller's microversion. */
describe('HeaderPolicy: reads for the caller carry their microversion', () => {
  it('copies OpenStack-API-Version and the legacy service headers onto a probe or list read, to the local cloud, an SP or a reseller SP', () => {
    const call = callWith({ 'openstack-api-version': 'volume 3.14', 'x-openstack-nova-api-version': '2.79', 'x-auth-token': 'caller-token' });
    const policy = new HeaderPolicy('k2k', { sp2: 'reseller' });
    for (const sp of [undefined, 'sp1', 'sp2']) {
      const headers = policy.read(address(sp), call);
      expect(headers, String(sp)).to.include({ 'openstack-api-version': 'volume 3.14', 'x-openstack-nova-api-version': '2.79', 'x-auth-token': 'sp-token' });
    }
  });

  it('sends none when the caller asked for none (the service then answers at its base version)', () => {
    const headers = new HeaderPolicy('k2k', {}).read(address('sp1'), callWith({}));
    expect(headers).to.not.have.property('openstack-api-version');
  });
});
