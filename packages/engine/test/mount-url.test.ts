import { expect } from 'chai';
import type { IncomingMessage } from 'node:http';
import { mountUrl } from '../src/answer/mount-url.js';

/** A request as Express hands it to a middleware mounted at `baseUrl`. */
function req(host: string | undefined, options: { baseUrl?: string; encrypted?: boolean; localAddress?: string } = {}): IncomingMessage {
  const { baseUrl, encrypted, localAddress = '127.0.0.1' } = options;
  return { headers: host === undefined ? {} : { host }, socket: { encrypted, localAddress, localPort: 5001 }, ...(baseUrl !== undefined && { baseUrl }) } as unknown as IncomingMessage;
}

describe('mountUrl', () => {
  it("is the connection's scheme, the Host and the mount path", () => {
    expect(mountUrl(req('gw.example.com:5001', { baseUrl: '/volume' }), undefined).href).to.equal('http://gw.example.com:5001/volume');
    expect(mountUrl(req('GW.example.com', { baseUrl: '/image', encrypted: true }), undefined).href).to.equal('https://gw.example.com/image');
    expect(mountUrl(req('[::1]:5001'), undefined).href).to.equal('http://[::1]:5001/');
  });

  it('falls back to the address the connection came in on for a missing or malformed Host', () => {
    for (const host of [undefined, '', 'evil.example/x', 'user@evil.example', 'a b', 'x?y', 'x#y', 'bad\\host']) {
      expect(mountUrl(req(host, { baseUrl: '/volume' }), undefined).href, String(host)).to.equal('http://127.0.0.1:5001/volume');
    }
    expect(mountUrl(req(undefined, { localAddress: '::1' }), undefined).href).to.equal('http://[::1]:5001/');
  });

  it('is publicUrl when configured, whatever the request says', () => {
    const publicUrl = new URL('https://cloud.example.com/gw/volume');
    expect(mountUrl(req('attacker.example', { baseUrl: '/volume' }), publicUrl)).to.equal(publicUrl);
  });
});
