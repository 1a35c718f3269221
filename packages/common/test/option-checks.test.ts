import { expect } from 'chai';
import { loggerOption, OptionError, rejectUnknownKeys, requireInteger, requireMethods, requireOneOf, requireString, silentLogger, withDefault } from '../src/index.js';

describe('option checks', () => {
  it('name the option, say what was wrong and what was given', () => {
    expect(() => requireString('', 'store.secret')).to.throw(OptionError, /^store\.secret: must be a non-empty string, got ""$/);
    expect(() => requireInteger(1.5, 'timeoutMs', 1)).to.throw(/^timeoutMs: must be an integer >= 1, got 1\.5$/);
    expect(() => requireInteger(0, 'workers', 1, 64)).to.throw(/^workers: must be an integer from 1 to 64, got 0$/);
    expect(() => requireOneOf('RC4', 'securityStrategy', ['MAC', 'ENCRYPT'])).to.throw(/must be one of "MAC", "ENCRYPT", got "RC4"/);
    expect(new OptionError('a.b', 'bad')).to.include({ option: 'a.b', name: 'OptionError' });
  });

  it('refuse an unknown key, suggesting the closest known one', () => {
    expect(() => rejectUnknownKeys({ timeoutMS: 1 }, ['timeoutMs', 'servers'], 'store')).to.throw(/^store\.timeoutMS: unknown option; did you mean "timeoutMs"\?/);
    expect(() => rejectUnknownKeys({ servers: [] }, ['timeoutMs', 'servers'], 'store')).to.not.throw();
  });

  it('accept an object with the methods asked for, and fill in defaults', () => {
    const store = { get() {}, set() {} };
    expect(requireMethods(store, 'store', ['get', 'set'], 'a Store')).to.equal(store);
    expect(() => requireMethods({ get() {} }, 'store', ['get', 'set'], 'a Store')).to.throw(/^store: must be a Store$/);
    expect(withDefault(undefined, 5)).to.equal(5);
    expect(withDefault(0, 5)).to.equal(0);
  });
});

describe('loggerOption', () => {
  it('takes anything with pino\'s four methods, and is silent without one', () => {
    const logger = { debug() {}, info() {}, warn() {}, error() {} };
    expect(loggerOption(logger, 'logger')).to.equal(logger);
    expect(loggerOption(undefined, 'logger')).to.equal(silentLogger);
    expect(() => loggerOption(console.log, 'k2kForward.logger')).to.throw(/^k2kForward\.logger: must be a logger with debug, info, warn and error methods/);
  });
});
