import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

/** A gateway started as a child process (what the demo and the tests run). */
export interface GatewayProcess {
  url: string;
  child: ChildProcess;
  /** SIGTERM, then the exit code */
  stop(): Promise<number | null>;
}

/** Starts `main.js --config FILE` and resolves once every worker listens. */
export async function startGatewayProcess(configFile: string, options: { logs?: 'inherit' | 'ignore' | 'pipe' } = {}): Promise<GatewayProcess> {
  const child = spawn(process.execPath, [join(__dirname, 'main.js'), '--config', configFile], { stdio: ['ignore', options.logs ?? 'ignore', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.on('message', (message: { type?: string; port?: number }) => {
      if (message?.type === 'k2k:listening' && message.port) resolve(message.port);
    });
    child.once('exit', (code) => reject(new Error(`the gateway exited with code ${code} before listening`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    stop: async () => {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      return code as number | null;
    },
  };
}
