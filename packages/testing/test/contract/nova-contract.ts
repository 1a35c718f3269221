import { expect } from 'chai';

/** Where the contract asks: a Nova's server list URL (`.../v2.1/servers`) and a token it takes. */
export interface NovaTarget {
  serversUrl: string;
  token: string;
}

/**
 * What k2k relies on Nova (Zed) to do with microversions, run against the simulated Nova
 * (compute-service.test.ts) and a real one (test/keystone/nova-contract.test.ts) alike, so the two
 * agree: every answer names the version served in both `OpenStack-API-Version` and
 * `X-OpenStack-Nova-API-Version`, whichever the caller sent (none: 2.1; `latest`: 2.93), with
 * `Vary` naming both; a version outside 2.1-2.93 is 406, a malformed one 400, each with Nova's
 * body. (Nova writes `Vary` as two headers; fetch joins them with ", ".)
 */
export function defineNovaMicroversionContract(target: () => Promise<NovaTarget>): void {
  describe('Nova microversions', () => {
    let nova: NovaTarget;

    before(async () => {
      nova = await target();
    });

    const get = (headers: Record<string, string>) => fetch(`${nova.serversUrl}?limit=1`, { headers: { 'x-auth-token': nova.token, ...headers } });
    const served = (answer: Response) => [answer.status, ...['openstack-api-version', 'x-openstack-nova-api-version', 'vary'].map((name) => answer.headers.get(name))];
    const vary = 'OpenStack-API-Version, X-OpenStack-Nova-API-Version';

    it('names the version served in both headers, whichever was asked for', async () => {
      expect(served(await get({}))).to.deep.equal([200, 'compute 2.1', '2.1', vary]);
      expect(served(await get({ 'x-openstack-nova-api-version': '2.37' }))).to.deep.equal([200, 'compute 2.37', '2.37', vary]);
      expect(served(await get({ 'openstack-api-version': 'compute latest' }))).to.deep.equal([200, 'compute 2.93', '2.93', vary]);
      expect(served(await get({ 'openstack-api-version': 'volume 3.0' }))).to.deep.equal([200, 'compute 2.1', '2.1', vary]);
    });

    it('answers 406 outside 2.1-2.93 and 400 for a malformed version, with Nova\'s bodies', async () => {
      const refused = await get({ 'openstack-api-version': 'compute 2.0' });
      expect(served(refused)).to.deep.equal([406, 'compute 2.0', '2.0', vary]);
      expect(await refused.json()).to.deep.equal({ computeFault: { code: 406, message: 'Version 2.0 is not supported by the API. Minimum is 2.1 and maximum is 2.93.' } });
      const malformed = await get({ 'openstack-api-version': 'compute abc' });
      expect(served(malformed)).to.deep.equal([400, null, null, null]);
      expect(await malformed.json()).to.deep.equal({ badRequest: { code: 400, message: 'API Version String abc is of invalid format. Must be of format MajorNum.MinorNum.' } });
    });
  });
}
