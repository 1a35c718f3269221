import { expect } from 'chai';
import { parseForwardOptions } from '../src/options.js';

const REQUIRED = { serviceType: 'volumev3', authUrl: 'http://127.0.0.1:5000/v3' };

describe('parseForwardOptions: publicUrl', () => {
  it('takes a plain http(s) URL, without its trailing slash', () => {
    expect(parseForwardOptions({ ...REQUIRED, publicUrl: 'https://gw.example.com/volume/' }).publicUrl?.href).to.equal('https://gw.example.com/volume');
    expect(parseForwardOptions(REQUIRED).publicUrl).to.equal(undefined);
  });

  it('refuses anything else, naming the option', () => {
    for (const publicUrl of ['gw.example.com/volume', 'ftp://gw/volume', 'https://user:pw@gw/volume', 'https://gw/volume?x=1', 'https://gw/volume#top', 42]) {
      expect(() => parseForwardOptions({ ...REQUIRED, publicUrl: publicUrl as string }), String(publicUrl)).to.throw(/k2kForward\.publicUrl/);
    }
  });
});

describe('parseForwardOptions: pin', () => {
  const pinned = (pin: unknown, extra: Record<string, unknown> = {}) => parseForwardOptions({ ...REQUIRED, ...extra, pin } as never);

  it('takes a service provider, with a project by name and domain or by id, and a region that picks its endpoints', () => {
    expect(pinned({ serviceProvider: 'sp1' }).pin).to.deep.equal({ token: 'k2k', serviceProvider: 'sp1', name: 'sp1' });
    expect(pinned({ serviceProvider: 'sp1', region: 'RegionTwo', name: 'sp1.RegionTwo' }).pin).to.deep.include({ name: 'sp1.RegionTwo' });
    expect(pinned({ serviceProvider: 'sp1', project: { name: 'demo', domain: 'Default' } }).pin).to.deep.include({ project: { name: 'demo', domain: 'Default' } });
    expect(pinned({ serviceProvider: 'sp1', project: { id: 'p1' } }).pin).to.deep.include({ project: { id: 'p1' } });
    expect(pinned({ serviceProvider: 'sp1', region: 'RegionTwo' }).region).to.equal('RegionTwo');
    expect(pinned({ serviceProvider: 'two', region: 'RegionTwo', token: 'passthrough' })).to.deep.include({ pin: { token: 'passthrough', serviceProvider: 'two', region: 'RegionTwo' }, region: undefined });
    expect(parseForwardOptions(REQUIRED).pin).to.equal(undefined);
  });

  it('refuses a bad pin at construction, naming the option', () => {
    expect(() => pinned('sp1')).to.throw(/^k2kForward\.pin: must be an object/);
    expect(() => pinned({})).to.throw(/^k2kForward\.pin\.serviceProvider: must be a non-empty string/);
    expect(() => pinned({ serviceProvider: 'sp1', regoin: 'r' })).to.throw(/^k2kForward\.pin\.regoin: unknown option; did you mean "region"/);
    expect(() => pinned({ serviceProvider: 'default' })).to.throw(/^k2kForward\.pin\.serviceProvider: names the local cloud/);
    expect(() => pinned({ serviceProvider: 'sp2' }, { serviceProviders: ['sp1'] })).to.throw(/^k2kForward\.pin\.serviceProvider: "sp2" is not in serviceProviders \(sp1\)/);
    expect(() => pinned({ serviceProvider: 'sp1', project: { name: 'demo' } })).to.throw(/^k2kForward\.pin\.project\.domain: must be a non-empty string/);
    expect(() => pinned({ serviceProvider: 'sp1', project: { id: 'p1', name: 'demo' } })).to.throw(/^k2kForward\.pin\.project\.name: unknown option/);
    expect(() => pinned({ serviceProvider: 'sp1', token: 'mine' })).to.throw(/^k2kForward\.pin\.token: must be one of "k2k", "passthrough"/);
    expect(() => pinned({ serviceProvider: 'sp1', region: 'R2' }, { region: 'R1' })).to.throw(/^k2kForward\.pin\.region: contradicts region \("R1"\)/);
    expect(() => pinned({ serviceProvider: 'two', token: 'passthrough' })).to.throw(/^k2kForward\.pin\.region: required with token 'passthrough'/);
    expect(() => pinned({ serviceProvider: 'two', region: 'R2', token: 'passthrough', project: { id: 'p1' } })).to.throw(/^k2kForward\.pin\.project: not with token 'passthrough'/);
  });
});
