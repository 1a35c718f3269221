import { expect } from 'chai';
import { createSecureCodec } from '../src/secure-codec.js';

const TOKEN = 'gAAAAABmFakeUserToken0123456789';
const SECRET = 'a-secret-of-at-least-16-chars';
const PLAIN = Buffer.from(JSON.stringify({ user: 'alice', roles: ['member'] }));

function flipByte(sealed: Buffer, index: number): Buffer {
  const copy = Buffer.from(sealed);
  copy[index] ^= 0x01;
  return copy;
}

describe('createSecureCodec', () => {
  for (const strategy of ['MAC', 'ENCRYPT'] as const) {
    describe(strategy, () => {
      const codec = createSecureCodec(SECRET, strategy);

      it('round-trips a value under a key that does not contain the token', () => {
        const slot = codec.slot('auth-token', TOKEN);
        expect(slot.key).to.not.include(TOKEN);
        expect(slot.key).to.match(/^k2k:auth-token:[A-Za-z0-9_-]{43}$/);
        expect(slot.open(slot.seal(PLAIN))).to.deep.equal(PLAIN);
      });

      it('reads a value with any byte flipped as a miss', () => {
        const slot = codec.slot('auth-token', TOKEN);
        const sealed = slot.seal(PLAIN);
        for (let i = 0; i < sealed.length; i++) expect(slot.open(flipByte(sealed, i)), `byte ${i}`).to.equal(undefined);
      });

      it('reads a value sealed for another token as a miss', () => {
        const sealed = codec.slot('auth-token', `${TOKEN}x`).seal(PLAIN);
        expect(codec.slot('auth-token', TOKEN).open(sealed)).to.equal(undefined);
      });

      it('reads a value sealed with another secret as a miss, under another key', () => {
        const other = createSecureCodec(`${SECRET}-other`, strategy).slot('auth-token', TOKEN);
        const mine = codec.slot('auth-token', TOKEN);
        expect(other.key).to.not.equal(mine.key);
        expect(mine.open(other.seal(PLAIN))).to.equal(undefined);
      });

      it('derives a slot once per subject, and the same one again once forgotten', () => {
        expect(codec.slot('auth-token', TOKEN)).to.equal(codec.slot('auth-token', TOKEN));
        const sealed = codec.slot('auth-token', TOKEN).seal(PLAIN);
        const fresh = createSecureCodec(SECRET, strategy).slot('auth-token', TOKEN);
        expect(fresh.key).to.equal(codec.slot('auth-token', TOKEN).key);
        expect(fresh.open(sealed)).to.deep.equal(PLAIN);
      });

      it('gives each namespace its own key', () => {
        const digest = (namespace: string) => codec.slot(namespace, TOKEN).key.split(':')[2];
        expect(digest('auth-token')).to.not.equal(digest('remote-token'));
      });
    });
  }

  it('ENCRYPT hides the value; MAC authenticates it in the clear', () => {
    const encrypted = createSecureCodec(SECRET, 'ENCRYPT').slot('t', TOKEN).seal(PLAIN);
    const maced = createSecureCodec(SECRET, 'MAC').slot('t', TOKEN).seal(PLAIN);
    expect(encrypted.includes(Buffer.from('alice'))).to.equal(false);
    expect(maced.includes(Buffer.from('alice'))).to.equal(true);
  });

  it('refuses a value sealed under another strategy', () => {
    const sealed = createSecureCodec(SECRET, 'MAC').slot('t', TOKEN).seal(PLAIN);
    expect(createSecureCodec(SECRET, 'ENCRYPT').slot('t', TOKEN).open(sealed)).to.equal(undefined);
    expect(createSecureCodec(undefined).slot('t', TOKEN).open(sealed)).to.equal(undefined);
  });

  it('without a secret still hashes keys and stores values as they are', () => {
    const slot = createSecureCodec(undefined).slot('auth-token', TOKEN);
    expect(slot.key).to.not.include(TOKEN);
    expect(slot.open(slot.seal(PLAIN))).to.deep.equal(PLAIN);
  });
});
