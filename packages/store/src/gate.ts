/**
 * A FIFO gate letting at most `limit` operations run at once. The memcached client fails a
 * command at once ("The connection pool is full") when more commands arrive than it has
 * connections ready, which happens whenever a burst meets a cold pool; queueing here instead keeps
 * a burst from being mistaken for a dead server.
 */
export class Gate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  /** Waits for a place; call the returned function to give it back (once). */
  async enter(): Promise<() => void> {
    if (this.running < this.limit) this.running++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    let left = false;
    return () => {
      if (left) return;
      left = true;
      const next = this.waiting.shift();
      if (next) next(); // the place passes straight to the next in line
      else this.running--;
    };
  }
}
