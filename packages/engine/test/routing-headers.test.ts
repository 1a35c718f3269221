import { expect } from 'chai';
import type { IncomingMessage } from 'node:http';
import { readRoutingHeaders } from '../src/parse/routing-headers.js';

const request = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

describe('readRoutingHeaders', () => {
  it('reads SERVICE-PROVIDER, PROJECT-NAME, PROJECT-DOMAIN and ENDPOINT-TYPE', () => {
    expect(readRoutingHeaders(request({ 'service-provider': 'sp1', 'project-name': 'demo', 'project-domain': 'Default', 'endpoint-type': 'internalURL' }), 'Default')).to.deep.equal({
      serviceProvider: 'sp1',
      project: { name: 'demo', domain: 'Default' },
      interface: 'internal',
    });
  });

  it("reads the mixmatch aliases, and defaults the project's domain", () => {
    expect(readRoutingHeaders(request({ 'mm-service-provider': 'sp2', 'mm-project-id': 'abc' }), 'Default')).to.deep.equal({ serviceProvider: 'sp2', project: { id: 'abc' } });
    expect(readRoutingHeaders(request({ 'service-provider': 'sp2', 'project-name': 'demo' }), 'Other')).to.deep.include({ project: { name: 'demo', domain: 'Other' } });
  });

  it('asks nothing when no header is sent', () => {
    expect(readRoutingHeaders(request({}), 'Default')).to.deep.equal({});
  });

  it('refuses inconsistent or bad headers with 400 naming them', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ 'project-name': 'demo' }, /need SERVICE-PROVIDER/],
      [{ 'service-provider': 'sp1', 'project-domain': 'Default' }, /PROJECT-DOMAIN needs PROJECT-NAME/],
      [{ 'service-provider': 'sp1', 'project-name': 'a', 'mm-project-id': 'b' }, /either PROJECT-NAME/],
      [{ 'service-provider': 'sp1', 'endpoint-type': 'private' }, /ENDPOINT-TYPE must be public, internal or admin/],
      [{ 'service-provider': 'sp1<script>' }, /SERVICE-PROVIDER has an invalid value/],
      [{ 'service-provider': 'x'.repeat(300) }, /SERVICE-PROVIDER has an invalid value/],
    ];
    for (const [headers, message] of cases) expect(() => readRoutingHeaders(request(headers), 'Default')).to.throw(message).with.property('status', 400);
  });
});
