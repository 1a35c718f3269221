import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';

/** A memcached server started for a test on a free loopback port. */
export interface MemcachedServer {
  readonly host: string;
  readonly port: number;
  /** `host:port`, the form the memcached client and @k2k/store take. */
  readonly location: string;
  readonly pid: number;
  /** Stops the server (SIGTERM) and waits for it to exit. Safe to call twice. */
  stop(): Promise<void>;
  /** Kills the server at once (SIGKILL), as a crash would, and waits for it to exit. */
  kill(): Promise<void>;
  /** Forgets every item (`flush_all`), as a restart would, and resolves once memcached confirmed it. */
  flush(): Promise<void>;
}

export interface StartMemcachedOptions {
  /** Port to listen on; default: a free one. */
  port?: number;
  /** Memory limit in MB (memcached `-m`); default 64. */
  memoryMb?: number;
  /** Path of the memcached binary; default `$MEMCACHED_BIN` or `memcached` on PATH. */
  binary?: string;
}

const HOST = '127.0.0.1';

/** How often a free port is picked again when another process took it first. */
const PORT_ATTEMPTS = 5;

/**
 * Starts memcached on loopback and resolves once it answers as itself. Without a given port, a
 * port taken by another process between our pick and memcached's bind (suites run side by side)
 * costs another pick, not a failed test.
 */
export async function startMemcached(options: StartMemcachedOptions = {}): Promise<MemcachedServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOn(options.port ?? (await freePort()), options);
    } catch (error) {
      if (options.port !== undefined || attempt === PORT_ATTEMPTS || !(error instanceof PortTaken)) throw error;
    }
  }
}

class PortTaken extends Error {}

async function startOn(port: number, options: StartMemcachedOptions): Promise<MemcachedServer> {
  const binary = options.binary ?? process.env.MEMCACHED_BIN ?? 'memcached';
  const args = ['-l', HOST, '-p', String(port), '-U', '0', '-t', '1', '-m', String(options.memoryMb ?? 64)];
  // memcached refuses to run as root unless told which user to stay.
  if (process.getuid?.() === 0) args.push('-u', 'root');

  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const spawnError = new Promise<never>((_, reject) =>
    child.once('error', (err) =>
      reject(new Error(`cannot start memcached (${binary}): ${err.message}; install it (apt-get install memcached) or set MEMCACHED_BIN`)),
    ),
  );
  await Promise.race([waitForServer(port, child, () => stderr), spawnError]);

  const signal = (sig: NodeJS.Signals) => async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    await exited;
  };
  return { host: HOST, port, location: `${HOST}:${port}`, pid: child.pid ?? -1, stop: signal('SIGTERM'), kill: signal('SIGKILL'), flush: () => flushAll(port) };
}

/** memcached's flush_all, over its text protocol. */
function flushAll(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: HOST, port }, () => socket.write('flush_all\r\n'));
    socket.once('data', (answer) => {
      socket.end();
      if (answer.toString().startsWith('OK')) resolve();
      else reject(new Error(`memcached answered flush_all with ${answer.toString().trim()}`));
    });
    socket.once('error', reject);
  });
}

/** A port that was free a moment ago (the OS picks it; we release it for the caller). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Waits until the port answers with our child's pid: a server of someone else's there is not ours. */
async function waitForServer(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      const message = `memcached exited with code ${child.exitCode}: ${stderr().trim()}`;
      throw stderr().includes('Address already in use') ? new PortTaken(message) : new Error(message);
    }
    if ((await pidListeningOn(port)) === child.pid) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  child.kill('SIGKILL');
  throw new Error(`memcached did not listen on ${HOST}:${port} within 10 s`);
}

/** The pid the memcached on `port` reports in its stats; undefined when none answers. */
function pidListeningOn(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host: HOST, port }, () => socket.write('stats\r\n'));
    let answer = '';
    socket.setTimeout(1000, () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString();
      if (!answer.includes('END\r\n') && !answer.includes('ERROR')) return;
      socket.destroy();
      const pid = /^STAT pid (\d+)\r$/m.exec(answer)?.[1];
      resolve(pid === undefined ? undefined : Number(pid));
    });
    socket.once('error', () => resolve(undefined));
    socket.once('close', () => resolve(undefined));
  });
}
