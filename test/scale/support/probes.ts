import { connect } from 'node:net';

/**
 * A metric summed over its series in a gateway's /metrics (itself summed over the workers), only
 * the series whose labels contain every `label="value"` of `labels`.
 */
export async function metricSum(metricsUrl: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const response = await fetch(metricsUrl);
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${metricsUrl}: ${response.status} ${text.slice(0, 200)}`);
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** memcached's `stats` (cmd_get, cmd_set, curr_items, ...) of the server at 127.0.0.1:port. */
export async function memcachedStats(port: number): Promise<Record<string, number>> {
  const stats: Record<string, number> = {};
  for (const line of (await memcachedCommand(port, 'stats')).split('\r\n')) {
    const [, key, value] = line.split(' ');
    if (line.startsWith('STAT ') && /^\d+$/.test(value ?? '')) stats[key] = Number(value);
  }
  return stats;
}

/** Whether the server at 127.0.0.1:port holds `key` (a `get` of it there, whatever the pool's hashing says). */
export async function memcachedHolds(port: number, key: string): Promise<boolean> {
  return (await memcachedCommand(port, `get ${key}`)).startsWith('VALUE ');
}

/** Every item the server at 127.0.0.1:port holds: its key and size (key, value and item header), from `lru_crawler metadump all`. */
export async function memcachedItems(port: number): Promise<{ key: string; size: number }[]> {
  const items: { key: string; size: number }[] = [];
  for (const line of (await memcachedCommand(port, 'lru_crawler metadump all')).split('\n')) {
    const match = /^key=(\S+) .* size=(\d+)/.exec(line);
    if (match) items.push({ key: decodeURIComponent(match[1]), size: Number(match[2]) });
  }
  return items;
}

/** One command of memcached's text protocol whose answer ends with END (stats, get, metadump). */
function memcachedCommand(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`memcached at ${port}: no answer to ${command.split(' ')[0]} within 3 s`));
    }, 3000);
    socket.setEncoding('utf8');
    socket.once('connect', () => socket.write(`${command}\r\n`));
    socket.on('data', (chunk: string) => {
      text += chunk;
      if (!text.endsWith('END\r\n')) return;
      clearTimeout(timer);
      socket.end();
      resolve(text);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}
