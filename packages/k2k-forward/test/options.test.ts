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
