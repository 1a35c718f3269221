import { expect } from 'chai';
import { createTestCa, startTlsFront, type TestCa, type TlsFront } from '@k2k/testing';
import { KeystoneClient, type KeystoneClientOptions } from '../src/index.js';
import { failure, json, startStub, tokenBody, type HttpStub } from './http-stub.js';

const TOKEN = 'gAAAAABsecret-user-token';

/** A Keystone over https with a certificate from a private CA: the stub behind a TLS front. */
describe('KeystoneClient with a private CA (ca)', () => {
  let trusted: TestCa;
  let other: TestCa;
  let stub: HttpStub;
  let front: TlsFront;
  const clients: KeystoneClient[] = [];

  before(async () => {
    [trusted, other] = await Promise.all([createTestCa(), createTestCa()]);
    stub = await startStub((_req, res) => json(res, 201, tokenBody(), { 'x-subject-token': TOKEN }));
    front = await startTlsFront(stub.url, trusted);
  });

  after(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await front.close();
    await stub.close();
  });

  const client = (options: Partial<KeystoneClientOptions> = {}) => {
    const made = new KeystoneClient({ authUrl: `${front.url}/v3`, retries: 0, ...options });
    clients.push(made);
    return made;
  };


  it("trusts a Keystone whose certificate chains to ca, given as text or in a list with another CA's", async () => {
    expect((await client({ ca: trusted.ca }).authenticate({ token: TOKEN })).id).to.equal(TOKEN);
    expect((await client({ ca: [other.ca, trusted.ca] }).authenticate({ token: TOKEN })).id).to.equal(TOKEN);
  });

  it('carries ca to the clients clientFor makes (service providers)', async () => {
    const idp = client({ authUrl: `${stub.url}/v3`, ca: trusted.ca });
    expect((await idp.clientFor(`${front.url}/v3`).authenticate({ token: TOKEN })).id).to.equal(TOKEN);
  });

  it("refuses it without ca (Node's default CAs), or with another CA: 502 naming the Keystone and the certificate, never the token", async () => {
    const seenBefore = stub.seen.length;
    for (const ca of [undefined, other.ca]) {
      const error = await failure(client(ca === undefined ? {} : { ca }).authenticate({ token: TOKEN }));
      expect(error).to.include({ failure: 'certificate', status: 502, url: `${front.url}/v3/auth/tokens` });
      expect(error.message).to.match(new RegExp(`^Keystone at ${front.url} failed TLS certificate verification: .+ \\([A-Z_]+\\)$`));
      expect(JSON.stringify(error.toBody())).to.not.include(TOKEN);
    }
    expect(stub.seen.length, 'no request got through').to.equal(seenBefore);
  });

  it('does not retry a certificate failure', async () => {
    const connectionsBefore = front.connections;
    const error = await failure(client({ retries: 3 }).authenticate({ token: TOKEN }));
    expect(error.failure).to.equal('certificate');
    expect(front.connections - connectionsBefore).to.equal(1);
  });

  it('checks ca at construction, naming the option', () => {
    expect(() => client({ ca: 'trusted-ca.pem' })).to.throw(/^keystone\.ca: holds no PEM certificate/);
    expect(() => client({ ca: [trusted.ca, 42 as never] })).to.throw(/^keystone\.ca\[1\]: must be PEM certificate text/);
    expect(() => client({ ca: [] })).to.throw(/^keystone\.ca: must be PEM certificate text/);
    expect(() => client({ cA: trusted.ca } as never)).to.throw(/^keystone\.cA: unknown option; did you mean "ca"\?/);
  });
});
