import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { image } from '@observable-todo/test-support/images';
import { repoRoot } from '@observable-todo/test-support/repo';
import { dockerRun } from './support.js';

/** The Discover link as the real Alertmanager renders it (amtool, its example alert data). */
describe("the Slack template's Kibana link, rendered by amtool", () => {
  it('opens Discover on logs-todo from 15 minutes before the alert started until now, and Slack keeps it whole', async () => {
    const result = await dockerRun([
      '-v',
      `${path.join(repoRoot, 'monitoring/alertmanager')}:/etc/alertmanager:ro`,
      '--entrypoint',
      '/bin/amtool',
      image('ALERTMANAGER_IMAGE'),
      'template',
      'render',
      '--template.glob=/etc/alertmanager/templates/*.tmpl',
      '--template.text={{ template "slack.todo.text" . }}',
    ]);
    expect(result.exitCode, result.stderr).toBe(0);
    const link = /<(http:\/\/localhost:5601\/[^|>]*)\|:mag: Logs>/.exec(result.stdout);
    expect(link, result.stdout).not.toBeNull();
    const url = new URL(link![1]!);
    expect(url.pathname).toBe('/app/discover');
    const hash = decodeURIComponent(url.hash);
    expect(hash).toMatch(/_g=\(time:\(from:'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\|\|-15m',to:now\)\)/);
    expect(hash).toContain('_a=(dataSource:(dataViewId:logs-todo,type:dataView))');
  });
});
