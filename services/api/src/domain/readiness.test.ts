import { describe, expect, it } from 'vitest';
import { Readiness } from './readiness.js';

describe('Readiness', () => {
  it('shares one database ping between concurrent checks (probes and both readiness gauges of a scrape)', async () => {
    let pings = 0;
    let answer: (up: boolean) => void = () => undefined;
    const readiness = new Readiness(
      () => {
        pings += 1;
        return new Promise<boolean>((resolve) => (answer = resolve));
      },
      { waitForMigrations: false },
    );
    const checks = Promise.all([readiness.check(), readiness.snapshot(), readiness.snapshot()]);
    answer(true);
    const [report, snapshot] = await checks;
    expect(pings).toBe(1);
    expect(report).toEqual({ ready: true, checks: { database: 'up', schema: 'up' } });
    expect(snapshot).toEqual({ ready: true, dependencies: { database: true, schema: true } });
    const next = readiness.check();
    answer(false);
    expect((await next).checks.database).toBe('down');
    expect(pings).toBe(2);
  });
});
