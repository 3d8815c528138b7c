/**
 * One sample from Prometheus exposition text: the series named `name` whose
 * labels include `labels`. Throws when there is none, so a typo in a metric or
 * label name fails the test instead of reading as 0.
 */
export function sampleValue(exposition: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of exposition.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([^{\s]+)(?:\{([^}]*)\})?\s+(\S+)$/.exec(line);
    if (match?.[1] !== name) continue;
    const have = (match[2] ?? '').split(',');
    if (wanted.every((pair) => have.includes(pair))) return Number(match[3]);
  }
  throw new Error(`no series ${name}{${wanted.join(',')}} in the exposition`);
}
