import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { isListening } from './worker-messages.js';

/** A gateway started as a child process (what the demo and the tests run). */
export interface GatewayProcess {
  url: string;
  /** The admin listener (/healthz, /metrics), when the config has one */
  adminUrl: string | undefined;
  child: ChildProcess;
  /** SIGTERM, then the exit code */
  stop(): Promise<number | null>;
}

export interface StartGatewayOptions {
  /** The gateway's JSON log lines (stdout); default: ignored */
  logs?: 'inherit' | 'ignore' | 'pipe';
  /** Its stderr, where it says why it stopped; default: passed on. Kept in the error either way */
  stderr?: 'inherit' | 'ignore';
  /** A gateway not listening by then is killed; default 30 s */
  readyTimeoutMs?: number;
}

/** The `k2k-gateway` command's script: `node GATEWAY_MAIN --config FILE` runs the gateway (or `catalog`, `sync`). */
export const GATEWAY_MAIN = join(__dirname, '..', 'cli', 'main.js');

/** The end of stderr kept for the error message of a gateway that exits before listening. */
const STDERR_KEPT = 4000;

/** Starts `main.js --config FILE` and resolves once every worker listens. */
export async function startGatewayProcess(configFile: string, options: StartGatewayOptions = {}): Promise<GatewayProcess> {
  const child = spawn(process.execPath, [GATEWAY_MAIN, '--config', configFile], { stdio: ['ignore', options.logs ?? 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-STDERR_KEPT);
    if (options.stderr !== 'ignore') process.stderr.write(chunk);
  });
  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
  const listening = await new Promise<{ port: number; adminPort?: number }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the gateway did not listen within ${readyTimeoutMs} ms`));
    }, readyTimeoutMs);
    child.on('message', (message) => {
      if (!isListening(message)) return;
      clearTimeout(timer);
      resolve(message);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      // stderr may still hold the last lines: read it to its end before saying why
      const reason = () => (stderr.trim() ? `: ${stderr.trim()}` : '');
      const exited = `the gateway exited with ${signal ?? `code ${code}`} before listening`;
      if (child.stderr && !child.stderr.readableEnded) child.stderr.once('end', () => reject(new Error(exited + reason())));
      else reject(new Error(exited + reason()));
    });
  });
  return {
    url: `http://127.0.0.1:${listening.port}`,
    adminUrl: listening.adminPort === undefined ? undefined : `http://127.0.0.1:${listening.adminPort}`,
    child,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      return code as number | null;
    },
  };
}
