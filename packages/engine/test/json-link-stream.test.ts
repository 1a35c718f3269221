import { expect } from 'chai';
import { JsonLinkStream, MAX_LINK_BYTES } from '../src/answer/json-link-stream.js';
import { rewriteJsonLinks, type LinkMap } from '../src/answer/rewrite-links.js';

const LOCAL = '0123456789abcdef0123456789abcdef';
const REMOTE = 'fedcba9876543210fedcba9876543210';
const SP = 'http://sp:28776';
const GATEWAY = 'https://gw.example.com:5001';
/** An SP's Cinder at http://sp:28776/v3/<REMOTE>, answering through the proxy's /volume mount */
const CINDER: LinkMap = { upstream: new URL(SP), proxy: new URL(`${GATEWAY}/volume`), project: { remote: REMOTE, local: LOCAL } };

/** What the stream makes of `body` cut into `pieces` (the lengths of its chunks, the last one taking the rest), and what it was told. */
function streamed(body: Buffer, pieces: number[] = []): { text: string; overlong: number } {
  let overlong = 0;
  const stream = new JsonLinkStream(CINDER, () => overlong++);
  const out: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => out.push(chunk));
  let at = 0;
  for (const length of pieces) {
    stream.write(body.subarray(at, at + length));
    at += length;
  }
  stream.end(body.subarray(at));
  return { text: Buffer.concat(out).toString('utf8'), overlong };
}

/** A small deterministic generator (mulberry32), so that a failing chunking can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Cinder's detail list of `count` volumes as the SP writes it: each volume's self and bookmark links, and the next link. */
function volumeList(count: number): unknown {
  const volumes = Array.from({ length: count }, (_, i) => ({
    id: `vol-${i}`,
    name: `volume "${i}" \\ of ${count}`,
    description: i % 7 === 0 ? `see ${SP}/v3/${REMOTE}/volumes/vol-${i} (in prose: a value all the same)` : null,
    metadata: { 'http://example.org/key': 'hello', note: 'höst \u2028 ✓' },
    links: [
      { href: `${SP}/v3/${REMOTE}/volumes/vol-${i}`, rel: 'self' },
      { href: `${SP}/${REMOTE}/volumes/vol-${i}`, rel: 'bookmark' },
    ],
  }));
  return { volumes, volumes_links: [{ href: `${SP}/v3/${REMOTE}/volumes/detail?limit=${count}&marker=vol-${count - 1}`, rel: 'next' }] };
}

describe('JsonLinkStream: links rewritten in a JSON body as it streams', () => {
  it('rewrites a multi-MB list like the whole-body rewrite does, however it is cut into chunks', function () {
    this.timeout(60_000);
    const body = Buffer.from(JSON.stringify(volumeList(12_000)));
    expect(body.length).to.be.greaterThan(4 * 2 ** 20);
    const whole = JSON.parse(rewriteJsonLinks(body, CINDER).toString('utf8'));
    expect(whole.volumes_links[0].href).to.equal(`${GATEWAY}/volume/v3/${LOCAL}/volumes/detail?limit=12000&marker=vol-11999`);
    // Its URL values are all links, which both rewrite; a URL inside prose is left alone by both.
    for (const seed of [1, 2, 3, 4]) {
      const next = random(seed);
      const pieces: number[] = [];
      for (let sum = 0; sum < body.length; sum += pieces[pieces.length - 1]) pieces.push(1 + Math.floor(next() * (seed % 2 === 0 ? 64 : 70_000)));
      expect(JSON.parse(streamed(body, pieces).text), `seed ${seed}`).to.deep.equal(whole);
    }
  });

  it('rewrites a link cut at any byte, and changes nothing but the links', () => {
    const text = `{"volumes": [{"id": "v1", "links": [{"href": "${SP}/v3/${REMOTE}/volumes/v1", "rel": "self"}]}],\n  "volumes_links" :[ {"rel":"next","href":"${SP}/v3/${REMOTE}/volumes?marker=v1&limit=1#top"}]}`;
    const expected = text.replaceAll(`${SP}/v3/${REMOTE}`, `${GATEWAY}/volume/v3/${LOCAL}`);
    const body = Buffer.from(text);
    expect(streamed(body).text).to.equal(expected);
    for (let cut = 0; cut <= body.length; cut++) expect(streamed(body, [cut]).text, `cut at ${cut}`).to.equal(expected);
    expect(streamed(body, Array(body.length).fill(1)).text, 'byte by byte').to.equal(expected);
  });

  it('reads escaped slashes, and writes the rewritten link as plain JSON', () => {
    const body = Buffer.from(`{"next": "http:\\/\\/sp:28776\\/v3\\/${REMOTE}\\/volumes?marker=v1", "other": "http:\\/\\/elsewhere\\/x"}`);
    for (let cut = 0; cut <= body.length; cut++) {
      expect(streamed(body, [cut]).text, `cut at ${cut}`).to.equal(`{"next": "${GATEWAY}/volume/v3/${LOCAL}/volumes?marker=v1", "other": "http:\\/\\/elsewhere\\/x"}`);
    }
  });

  it('follows quotes and backslashes inside strings: only a string value that is a URL is rewritten', () => {
    const value = {
      prose: `say "${SP}/v3/${REMOTE}" \\ twice \\`,
      quoted: `"${SP}/v3/${REMOTE}"`,
      ends: 'x\\',
      after: `${SP}/v3/${REMOTE}/volumes?name="a\\b"`,
      list: [`${SP}/v3/`, 'https://docs.openstack.org/', 'hello', 'h', '', '\\', `${SP}`],
    };
    const body = Buffer.from(JSON.stringify(value));
    const expected = {
      ...value,
      after: `${GATEWAY}/volume/v3/${LOCAL}/volumes?name=%22a\\b%22`,
      list: [`${GATEWAY}/volume/v3/`, 'https://docs.openstack.org/', 'hello', 'h', '', '\\', `${GATEWAY}/volume/`],
    };
    for (let cut = 0; cut <= body.length; cut++) expect(JSON.parse(streamed(body, [cut]).text), `cut at ${cut}`).to.deep.equal(expected);
  });

  it('leaves a key that names a URL as it is, whatever stands between it and its colon', () => {
    const body = Buffer.from(`{"${SP}/v3/a" : "${SP}/v3/b", "${SP}/v3/c"\n\t:\n"${SP}/v3/d"}`);
    const expected = `{"${SP}/v3/a" : "${GATEWAY}/volume/v3/b", "${SP}/v3/c"\n\t:\n"${GATEWAY}/volume/v3/d"}`;
    for (let cut = 0; cut <= body.length; cut++) expect(streamed(body, [cut]).text, `cut at ${cut}`).to.equal(expected);
  });

  it('rewrites a body that is one string, and passes one cut short as it came', () => {
    expect(streamed(Buffer.from(` "${SP}/v3/x" `)).text).to.equal(` "${GATEWAY}/volume/v3/x" `);
    expect(streamed(Buffer.from(`{"a": "${SP}/v3/x`)).text).to.equal(`{"a": "${SP}/v3/x`);
  });

  it('passes a string longer than it holds as it came, saying so once when it starts like a URL', () => {
    const long = `${SP}/v3/${REMOTE}/volumes?name=${'x'.repeat(MAX_LINK_BYTES)}`;
    const body = Buffer.from(JSON.stringify({ a: long, b: long, c: `h${'y'.repeat(MAX_LINK_BYTES)}`, d: `${SP}/v3/${REMOTE}` }));
    const { text, overlong } = streamed(body, [100, 5000]);
    expect(JSON.parse(text)).to.deep.equal({ a: long, b: long, c: `h${'y'.repeat(MAX_LINK_BYTES)}`, d: `${GATEWAY}/volume/v3/${LOCAL}` });
    expect(overlong).to.equal(1);
    expect(streamed(Buffer.from(JSON.stringify({ c: `h${'y'.repeat(MAX_LINK_BYTES)}` }))).overlong, 'not a URL').to.equal(0);
    const fits = `${SP}/${'z'.repeat(MAX_LINK_BYTES - SP.length - 1)}`;
    expect(JSON.parse(streamed(Buffer.from(JSON.stringify([fits]))).text)).to.deep.equal([`${GATEWAY}/volume/${'z'.repeat(MAX_LINK_BYTES - SP.length - 1)}`]);
  });

  it('holds little when its reader stops reading: writing pushes back after its buffers', () => {
    const stream = new JsonLinkStream(CINDER, () => undefined);
    const chunk = Buffer.from(`{"href": "${SP}/v3/${REMOTE}/volumes/v1", "padding": "${'x'.repeat(4000)}"}, `);
    let accepted = 0;
    while (accepted < 64 * 2 ** 20 && stream.write(chunk)) accepted += chunk.length;
    // Its two buffers, each as large as this Node makes them (16 KiB before Node 22, 64 KiB since), and the chunk in hand.
    expect(accepted).to.be.lessThan(stream.writableHighWaterMark + stream.readableHighWaterMark + chunk.length);
    stream.destroy();
  });

  it('passes bytes that are not valid JSON strings as they came', () => {
    const text = `{"a": "${SP}/v3/\\q", "b": "${SP}/v3/\u0001"}`;
    expect(streamed(Buffer.from(text)).text).to.equal(text);
  });
});
