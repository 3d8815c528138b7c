/**
 * Steady background requests against one URL, bounded in time: each loop stops
 * by itself after `maxDurationMs` even if a test forgets to stop it.
 */
export class Traffic {
  private timer: NodeJS.Timeout | undefined;
  private stopAt = 0;
  sent = 0;
  failed = 0;

  constructor(
    private readonly url: string,
    private readonly perSecond: number,
    private readonly maxDurationMs = 10 * 60_000,
  ) {}

  start(): this {
    this.stop();
    this.stopAt = Date.now() + this.maxDurationMs;
    this.timer = setInterval(() => {
      if (Date.now() > this.stopAt) {
        this.stop();
        return;
      }
      this.sent += 1;
      fetch(this.url, { signal: AbortSignal.timeout(5_000) })
        .then((response) => response.arrayBuffer())
        .catch(() => {
          this.failed += 1;
        });
    }, 1000 / this.perSecond);
    return this;
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}
