import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { prettyFactory } from 'pino-pretty';

/** How long the demo waits for the gateway's line about a request (it is written once the answer is sent). */
const WAIT_MS = 1000;

/**
 * The gateway's JSON log lines as the demo shows them, made readable by pino-pretty: kept as they
 * arrive from the gateway's stdout (every worker writes there), handed out by `take`.
 */
export class DemoGatewayLog {
  private pending: { requestId?: string; text: string }[] = [];
  private readonly pretty = prettyFactory({
    colorize: false,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    // a request's line in a few words; its ids (request, user, project) stay in the JSON log
    messageFormat: '{msg}{if method}: {method} {path} -> {status} from {serviceProvider} in {ms} ms{end}',
    ignore: 'pid,hostname,requestId,globalRequestId,userId,projectId,method,path,status,serviceProvider,ms',
  });

  constructor(stdout: Readable) {
    createInterface({ input: stdout }).on('line', (json) => {
      let requestId: string | undefined;
      try {
        requestId = (JSON.parse(json) as { requestId?: string }).requestId;
      } catch {
        // not a log record: shown as it is
      }
      this.pending.push({ requestId, text: this.pretty(json).trimEnd() });
    });
  }

  /** The lines received so far, once the one about `requestId` is among them (or a second passed). */
  async take(requestId: string | null): Promise<string[]> {
    for (let waited = 0; requestId && !this.pending.some((entry) => entry.requestId === requestId) && waited < WAIT_MS; waited += 20) await sleep(20);
    const lines = this.pending.map((entry) => entry.text);
    this.pending = [];
    return lines;
  }
}
