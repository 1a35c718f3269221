import { rootCertificates } from 'node:tls';
import { expect } from 'chai';
import { caOption, certificateFailure, OptionError } from '../src/index.js';

const [FIRST, SECOND] = rootCertificates;

describe('caOption', () => {
  it('takes PEM text or a list of texts, bundles and their comments included, as a list', () => {
    expect(caOption(FIRST, 'keystone.ca')).to.deep.equal([FIRST]);
    expect(caOption([FIRST, SECOND], 'keystone.ca')).to.deep.equal([FIRST, SECOND]);
    const bundle = `# Issuer: one\n${FIRST}\n# Issuer: two\n${SECOND}\n`;
    expect(caOption(bundle, 'keystone.ca')).to.deep.equal([bundle]);
  });

  it('refuses anything else at once, naming the option (and the list item)', () => {
    expect(() => caOption(42, 'keystone.ca')).to.throw(OptionError, /^keystone\.ca: must be PEM certificate text .* or a non-empty list/);
    expect(() => caOption([], 'keystone.ca')).to.throw(/^keystone\.ca: must be PEM certificate text/);
    expect(() => caOption('/etc/ssl/private-ca.pem', 'keystone.ca')).to.throw(/^keystone\.ca: holds no PEM certificate/);
    expect(() => caOption([FIRST, 7], 'keystone.ca')).to.throw(/^keystone\.ca\[1\]: must be PEM certificate text/);
    expect(() => caOption([FIRST, ''], 'keystone.ca')).to.throw(/^keystone\.ca\[1\]: holds no PEM certificate/);
  });

  it('refuses a certificate that does not parse, saying which one', () => {
    const truncated = FIRST.replace(/\n[A-Za-z0-9+/=]{20,}\n/, '\nnot base64 at all!\n');
    expect(() => caOption(`${SECOND}\n${truncated}`, 'k2kForward.ca')).to.throw(/^k2kForward\.ca: certificate 2 is not a valid certificate: /);
  });
});

describe('certificateFailure', () => {
  it("describes a certificate verification failure with Node's text and code", () => {
    const error = Object.assign(new Error('unable to verify the first certificate'), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    expect(certificateFailure(error)).to.equal('unable to verify the first certificate (UNABLE_TO_VERIFY_LEAF_SIGNATURE)');
    expect(certificateFailure({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' })).to.equal('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  it('is undefined for any other failure', () => {
    expect(certificateFailure(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).to.equal(undefined);
    expect(certificateFailure(Object.assign(new Error('wrong version number'), { code: 'ERR_SSL_WRONG_VERSION_NUMBER' }))).to.equal(undefined);
    expect(certificateFailure(new Error('no code'))).to.equal(undefined);
    expect(certificateFailure(undefined)).to.equal(undefined);
  });
});
