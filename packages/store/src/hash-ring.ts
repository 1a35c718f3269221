import { createHash } from 'node:crypto';

/** Points each server gets on the ring; enough for an even spread over a handful of servers. */
const POINTS_PER_SERVER = 160;

/**
 * Consistent hashing (ketama-style): each server owns many points on a 32-bit ring and a key goes
 * to the first point at or after its hash. Adding or losing a server moves only its share of keys.
 * `locate` walks on past servers the caller wants skipped (dead ones), so their keys fail over to
 * the next server instead of missing.
 */
export class HashRing {
  private readonly points: { hash: number; server: string }[] = [];
  private readonly serverCount: number;

  constructor(servers: readonly string[]) {
    this.serverCount = new Set(servers).size;
    for (const server of servers) {
      for (let i = 0; i < POINTS_PER_SERVER / 4; i++) {
        const digest = createHash('md5').update(`${server}-${i}`).digest();
        for (let part = 0; part < 4; part++) this.points.push({ hash: digest.readUInt32LE(part * 4), server });
      }
    }
    this.points.sort((a, b) => a.hash - b.hash);
  }

  /** The server for `key`, skipping those `skip` rejects; undefined when every server is skipped. */
  locate(key: string, skip: (server: string) => boolean = () => false): string | undefined {
    if (this.points.length === 0) return undefined;
    const hash = createHash('md5').update(key).digest().readUInt32LE(0);
    const start = this.firstPointAtOrAfter(hash);
    const tried = new Set<string>();
    for (let i = 0; i < this.points.length && tried.size < this.serverCount; i++) {
      const { server } = this.points[(start + i) % this.points.length];
      if (tried.has(server)) continue;
      if (!skip(server)) return server;
      tried.add(server);
    }
    return undefined;
  }

  private firstPointAtOrAfter(hash: number): number {
    let low = 0;
    let high = this.points.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.points[middle].hash < hash) low = middle + 1;
      else high = middle;
    }
    return low % this.points.length;
  }
}
