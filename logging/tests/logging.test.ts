import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { image } from '@observable-todo/test-support/images';
import { listFiles, parseCompose, readRepoFile, readRepoJson, readRepoYaml, repoRoot } from '@observable-todo/test-support/repo';
import { installedMappings } from '@observable-todo/test-support/elasticsearch-mappings';

// Static checks on the log pipeline's files: what the tools cannot check here
// (no Fluent Bit, Elasticsearch or Kibana image can be pulled on this machine;
// `fluent-bit --dry-run` and the real mappings run in tests/e2e/logging.e2e.test.ts).

type Props = Record<string, unknown>;
interface Plugin extends Props {
  name: string;
}
interface FluentBitConfig {
  service: Props;
  includes?: string[];
  pipeline: { inputs: Plugin[]; filters: Plugin[]; outputs: Plugin[] };
}
interface ComposeService {
  image?: string;
  restart?: string;
  environment?: Record<string, string>;
  command?: string[];
  entrypoint?: string[];
  volumes?: string[];
  ports?: string[];
  healthcheck?: unknown;
  depends_on?: Record<string, { condition: string }>;
  stop_grace_period?: string;
  deploy?: { resources?: { limits?: { memory?: string } } };
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  'x-logging'?: { options: Record<string, string> };
}

const LOGGING_COMPOSE = 'deploy/compose/logging.yaml';
const compose = readRepoYaml<ComposeFile>(LOGGING_COMPOSE);
const services = compose.services;
const fluentBit = readRepoYaml<FluentBitConfig>('logging/fluent-bit/fluent-bit.yaml');
const esOutput = fluentBit.pipeline.outputs.find((o) => o.name === 'es')!;
const tailInput = fluentBit.pipeline.inputs.find((i) => i.name === 'tail')!;

/** A container path of a compose service mapped back to the repository file bound there. */
function repoPathOf(service: string, containerPath: string): string | undefined {
  for (const volume of services[service]?.volumes ?? []) {
    const [source, target] = volume.split(':');
    if (source === undefined || target === undefined || !source.startsWith('.')) continue;
    if (containerPath === target || containerPath.startsWith(`${target}/`)) {
      return path.join(path.resolve(repoRoot, 'deploy/compose', source), containerPath.slice(target.length));
    }
  }
  return undefined;
}
const asList = (value: unknown): string[] => {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
};
const seconds = (duration: string): number => Number(/^(\d+)s$/.exec(duration)?.[1] ?? NaN);

describe('Fluent Bit configuration', () => {
  it('reads a parsers file that exists, and every parser a filter names is defined there', () => {
    const parsersFile = repoPathOf('fluent-bit', String(fluentBit.service.parsers_file));
    expect(parsersFile, 'parsers_file is bound from the repository').toBeDefined();
    expect(existsSync(parsersFile!)).toBe(true);
    const defined = readRepoYaml<{ parsers: { name: string }[] }>(path.relative(repoRoot, parsersFile!)).parsers.map((p) => p.name);
    const used = fluentBit.pipeline.filters.filter((f) => f.name === 'parser').flatMap((f) => asList(f.parser));
    expect(used.length).toBeGreaterThan(0);
    for (const parser of used) expect(defined, parser).toContain(parser);
    // `docker` is Fluent Bit's built-in multiline parser.
    expect(tailInput['multiline.parser']).toBe('docker');
  });

  it('runs with the config file compose mounts', () => {
    expect(services['fluent-bit']!.entrypoint).toEqual(['/fluent-bit/bin/fluent-bit']);
    const command = services['fluent-bit']!.command!;
    const config = command[command.indexOf('-c') + 1]!;
    expect(repoPathOf('fluent-bit', config)).toBe(path.join(repoRoot, 'logging/fluent-bit/fluent-bit.yaml'));
  });

  it('takes the writer password from a file secrets-init writes, never from the config or the environment', () => {
    expect(fluentBit.includes).toEqual(['/run/app-secrets/fluent-bit-secrets.yaml']);
    expect(readRepoFile('deploy/compose/secrets-init/secrets-init.sh')).toMatch(/^fluent-bit-secrets\.yaml\s+0\s+fluent-bit-env$/m);
    expect(readRepoFile('deploy/compose/secrets-init/secrets-init.sh')).toMatch(/fluent-bit-env\) printf 'env:\\n {2}ES_WRITER_PASSWORD: /);
    expect(esOutput.http_passwd).toBe('${ES_WRITER_PASSWORD}');
    expect(esOutput.http_user).toBe('todo_log_writer');
    expect(services['fluent-bit']!.environment).toBeUndefined();
  });

  it('ships to a data stream with duplicate protection, retries that never give up and visible errors', () => {
    expect(esOutput).toMatchObject({
      index: 'logs-todo-default',
      write_operation: 'create',
      suppress_type_name: 'on',
      trace_error: 'on',
      generate_id: 'on',
      retry_limit: 'no_limits',
      replace_dots: 'off',
    });
    expect(String(esOutput['storage.total_limit_size'])).toMatch(/^\d+[MG]$/);
    // logs-<dataset>-<namespace>: Elasticsearch's built-in logs-*-* template applies.
    expect(String(esOutput.index)).toMatch(/^logs-[^-]+-[^-]+$/);
    const writer = readRepoJson<{ indices: { names: string[] }[] }>('logging/elasticsearch/writer-role.json');
    const pattern = new RegExp(`^${writer.indices[0]!.names[0]!.replace('*', '.*')}$`);
    expect(String(esOutput.index)).toMatch(pattern);
  });

  it('buffers on the filesystem of its state volume and keeps its tail offsets there', () => {
    const stateMount = services['fluent-bit']!.volumes!.find((v) => v.startsWith('fluent-bit-state:'))!.split(':')[1]!;
    expect(String(fluentBit.service['storage.path']).startsWith(`${stateMount}/`)).toBe(true);
    expect(String(tailInput.db).startsWith(`${stateMount}/`)).toBe(true);
    expect(tailInput['storage.type']).toBe('filesystem');
    expect(fluentBit.service['storage.metrics']).toBe('on');
  });

  it('finds new containers well before the default 60 s scan', () => {
    expect(Number(tailInput.refresh_interval)).toBeLessThanOrEqual(10);
  });

  it('finishes in-flight flushes on stop before compose kills it', () => {
    expect(seconds(services['fluent-bit']!.stop_grace_period!)).toBeGreaterThan(Number(fluentBit.service.grace));
  });

  it('serves health and metrics on the port Prometheus scrapes', () => {
    expect(fluentBit.service).toMatchObject({ http_server: 'on', health_check: 'on' });
    const prometheus = readRepoYaml<{
      scrape_configs: { job_name: string; metrics_path?: string; static_configs: { targets: string[] }[] }[];
    }>('monitoring/prometheus/prometheus.yml');
    const job = prometheus.scrape_configs.find((j) => j.job_name === 'fluent-bit')!;
    expect(job.metrics_path).toBe('/api/v2/metrics/prometheus');
    expect(job.static_configs[0]!.targets).toEqual([`fluent-bit:${String(fluentBit.service.http_port)}`]);
  });

  it("renames a plain-text line's `log` to `message` after the JSON parser, so no string `log` meets `log.level`", () => {
    const filters = fluentBit.pipeline.filters;
    const lift = filters.findIndex((f) => f.name === 'parser' && f.key_name === 'log');
    const rename = filters.findIndex((f) => f.name === 'modify' && asList(f.rename).includes('log message'));
    expect(lift).toBeGreaterThanOrEqual(0);
    expect(filters[lift]).toMatchObject({ reserve_data: 'on', preserve_key: 'off' });
    expect(rename).toBeGreaterThan(lift);
  });

  it('takes the time from the line and removes `@timestamp`, which the es output writes once', () => {
    const timeFilter = fluentBit.pipeline.filters.find((f) => f.name === 'parser' && f.key_name === '@timestamp')!;
    expect(timeFilter).toMatchObject({ reserve_data: 'on', preserve_key: 'off' });
    const parsers = readRepoYaml<{ parsers: Props[] }>('logging/fluent-bit/parsers.yaml').parsers;
    for (const name of asList(timeFilter.parser)) {
      const parser = parsers.find((p) => p.name === name)!;
      expect(parser).toMatchObject({ time_key: 'time', time_keep: 'off' });
    }
    expect(esOutput.time_key ?? '@timestamp').toBe('@timestamp');
  });

  it('time parsers accept exactly the timestamp shapes of the API, nginx, Elasticsearch and Kibana', () => {
    const parsers = readRepoYaml<{ parsers: { name: string; regex?: string }[] }>('logging/fluent-bit/parsers.yaml').parsers;
    // Onigmo's (?<name>...) is JavaScript's syntax too.
    const regex = (name: string) => new RegExp(parsers.find((p) => p.name === name)!.regex!);
    const samples = {
      api: '2026-12-03T07:25:44.123Z',
      kibana: '2026-12-03T07:25:44.123+00:00',
      nginx: '2026-12-03T07:25:44+00:00',
    };
    expect(regex('ts_fraction').test(samples.api)).toBe(true);
    expect(regex('ts_fraction').test(samples.kibana)).toBe(true);
    expect(regex('ts_fraction').test(samples.nginx)).toBe(false);
    expect(regex('ts_seconds').test(samples.nginx)).toBe(true);
    expect(regex('ts_seconds').test(samples.api)).toBe(false);
    expect(regex('ts_seconds').test('yesterday')).toBe(false);
  });

  it('maps every field the pipeline itself writes', () => {
    const mappings = installedMappings();
    const targets = fluentBit.pipeline.filters
      .filter((f) => f.name === 'modify')
      .flatMap((f) => [...asList(f.rename), ...asList(f.hard_rename), ...asList(f.copy)])
      .map((rule) => rule.split(/\s+/)[1]!);
    expect(targets).toEqual(
      expect.arrayContaining(['message', 'labels.stream', 'container.name', 'labels.compose_service', 'service.name']),
    );
    for (const field of targets) expect(['keyword', 'match_only_text'], field).toContain(mappings.get(field));
  });
});

describe('compose: the logging services', () => {
  it('are part of the root compose.yaml', () => {
    expect(readRepoYaml<{ include: string[] }>('compose.yaml').include).toContain(LOGGING_COMPOSE);
  });

  it('pin exact versions: Elasticsearch and Kibana 9.5.x on the same tag, Fluent Bit 5.1.x', () => {
    // The compose file names a variable per image; deploy/compose/.env holds the references.
    const variable = (service: string) => /^\$\{([A-Z0-9_]+_IMAGE)[:}]/.exec(services[service]!.image ?? '')?.[1];
    expect(variable('elasticsearch')).toBe('ELASTICSEARCH_IMAGE');
    expect(variable('kibana')).toBe('KIBANA_IMAGE');
    expect(variable('fluent-bit')).toBe('FLUENT_BIT_IMAGE');
    const tag = (name: string) => image(name).split(':')[1];
    expect(image('ELASTICSEARCH_IMAGE')).toMatch(/^docker\.elastic\.co\/elasticsearch\/elasticsearch:9\.5\.\d+$/);
    expect(image('KIBANA_IMAGE')).toMatch(/^docker\.elastic\.co\/kibana\/kibana:9\.5\.\d+$/);
    expect(tag('KIBANA_IMAGE')).toBe(tag('ELASTICSEARCH_IMAGE'));
    // The one-shots run the Elasticsearch image: no extra image to pull.
    for (const oneShot of ['logging-preflight', 'elasticsearch-setup', 'kibana-setup']) {
      expect(variable(oneShot)).toBe('ELASTICSEARCH_IMAGE');
    }
    expect(image('FLUENT_BIT_IMAGE')).toMatch(/^fluent\/fluent-bit:5\.1\.\d+$/);
    for (const name of Object.keys(services)) expect(image(variable(name) ?? `(no variable for ${name})`)).toMatch(/:v?\d+\.\d+\.\d+$/);
  });

  it.each(Object.keys(services))('%s has a memory limit, publishes only on 127.0.0.1 and has a health check or a reason', (name) => {
    const service = services[name]!;
    expect(service.deploy?.resources?.limits?.memory).toBeTruthy();
    for (const port of service.ports ?? []) expect(port).toMatch(/^127\.0\.0\.1:/);
    const oneShot = service.restart === 'no';
    // fluent-bit: a distroless image (no shell); Prometheus and the log-probes watch it.
    if (!oneShot && name !== 'fluent-bit') expect(service.healthcheck).toBeDefined();
  });

  it('start Elasticsearch only after the preflight and Fluent Bit and Kibana only after the setup job succeeded', () => {
    expect(services.elasticsearch!.depends_on!['logging-preflight']).toEqual({ condition: 'service_completed_successfully' });
    for (const name of ['fluent-bit', 'kibana']) {
      expect(services[name]!.depends_on!['elasticsearch-setup']).toEqual({ condition: 'service_completed_successfully' });
    }
    expect(services['kibana-setup']!.depends_on!.kibana).toEqual({ condition: 'service_healthy' });
  });

  it('run Elasticsearch with node.store.allow_mmap from ES_ALLOW_MMAP, false by default, the preflight on the same value', () => {
    // The local stack starts on a host at the kernel's default vm.max_map_count; the AWS hosts set ES_ALLOW_MMAP=true.
    // Interpolated by Compose and run against 65530 and 262144: setup-scripts.integration.test.ts.
    const setting = services.elasticsearch!.environment!['node.store.allow_mmap'];
    expect(setting).toBe('${ES_ALLOW_MMAP:-false}');
    expect(services['logging-preflight']!.environment).toEqual({ ES_ALLOW_MMAP: setting });
  });

  it('give Elasticsearch a container limit of at least twice its heap', () => {
    const env = services.elasticsearch!.environment!;
    const heap = /-Xmx\$\{ES_HEAP_SIZE:-(\d+)m\}/.exec(env.ES_JAVA_OPTS!)?.[1];
    expect(env.ES_JAVA_OPTS).toContain('-Xms${ES_HEAP_SIZE:-');
    const limit = /^\$\{ES_MEMORY_LIMIT:-(\d+)M\}$/.exec(services.elasticsearch!.deploy!.resources!.limits!.memory!)?.[1];
    expect(Number(limit)).toBeGreaterThanOrEqual(2 * Number(heap));
  });

  it('carry no secret in an environment variable or a command line', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const [key, value] of Object.entries(service.environment ?? {})) {
        if (/(PASSWORD|SECRET|TOKEN|KEY)$/i.test(key)) expect(key, `${name}.${key}`).toMatch(/_FILE$/);
        expect(String(value), `${name}.${key}`).not.toMatch(/[0-9a-f]{32,}/);
      }
      for (const argument of [...(service.command ?? []), ...(service.entrypoint ?? [])]) {
        expect(argument, name).not.toMatch(/password=|:\/\/[^/]*:[^/]*@/i);
      }
    }
  });

  it('read only secrets that secrets-init writes', () => {
    // The table in secrets-init.sh: one line per secret, `name owner-uid source`.
    const written = new Set(
      [...readRepoFile('deploy/compose/secrets-init/secrets-init.sh').matchAll(/^([\w.-]+)\s+\d+\s+\S+$/gm)].map((m) => m[1]),
    );
    const texts = [
      readRepoFile(LOGGING_COMPOSE),
      readRepoFile('logging/setup/elasticsearch-setup.sh'),
      readRepoFile('logging/setup/kibana-setup.sh'),
      readRepoFile('logging/kibana/entrypoint.sh'),
      readRepoFile('logging/blackbox/blackbox.yml'),
      readRepoFile('logging/fluent-bit/fluent-bit.yaml'),
      readRepoFile('monitoring/grafana/provisioning/datasources/datasources.yml'),
    ].join('\n');
    const read = new Set([
      ...[...texts.matchAll(/\/run\/app-secrets\/([\w.-]+)/g)].map((m) => m[1]),
      ...[...texts.matchAll(/read_secret ([\w.-]+)/g)].map((m) => m[1]),
      ...[...texts.matchAll(/\$secrets\/([\w.-]+)/g)].map((m) => m[1]),
    ]);
    expect([...read].sort()).toEqual([
      'elastic_password',
      'es-exporter.yml',
      'es_monitor_password',
      'es_reader_password',
      'es_writer_password',
      'fluent-bit-secrets.yaml',
      'kibana_encryption_keys',
      'kibana_system_password',
    ]);
    for (const name of read) expect(written, `${name} is read but secrets-init does not write it`).toContain(name);
  });

  it('every compose file keeps json-file rotation and writes the service and container name into each line, with one block', () => {
    // YAML anchors do not cross files, so each compose file writes the block once
    // (x-logging): all of them must say the same, the Terraform host overrides too.
    const files = ['deploy/compose', 'deploy/terraform/compose'].flatMap((dir) =>
      listFiles(path.join(repoRoot, dir), '.yaml').map((file) => path.relative(repoRoot, file)),
    );
    const blocks = files
      .map((file) => [file, parseCompose<{ 'x-logging'?: unknown }>(readRepoFile(file))['x-logging']] as const)
      .filter(([, block]) => block !== undefined);
    expect(blocks.map(([file]) => file)).toEqual(
      expect.arrayContaining(['deploy/compose/app.yaml', 'deploy/compose/logging.yaml', 'deploy/terraform/compose/app-host.yaml']),
    );
    for (const [file, block] of blocks) {
      expect(block, file).toEqual({
        driver: 'json-file',
        options: { 'max-size': '10m', 'max-file': '3', labels: 'com.docker.compose.service', tag: '{{.Name}}' },
      });
    }
  });
});

describe('Elasticsearch and Kibana setup files', () => {
  it('the writer may only add documents to logs-todo*: create_doc and auto_configure, no delete, no read, no cluster rights', () => {
    const role = readRepoJson<{ cluster: string[]; indices: { names: string[]; privileges: string[] }[] }>(
      'logging/elasticsearch/writer-role.json',
    );
    expect(role.cluster).toEqual([]);
    expect(role.indices).toEqual([{ names: ['logs-todo*'], privileges: ['create_doc', 'auto_configure'] }]);
  });

  it('retention: logs@custom points at the ILM policy the setup job installs, deleting after LOG_RETENTION_DAYS (30 by default)', () => {
    const template = readRepoJson<{ template: { settings: { index: { lifecycle: { name: string } } } } }>(
      'logging/elasticsearch/logs-custom.json',
    );
    const policyName = template.template.settings.index.lifecycle.name;
    const script = readRepoFile('logging/setup/elasticsearch-setup.sh');
    expect(script).toContain(`PUT /_ilm/policy/${policyName} `);
    expect(script).toContain('PUT /_component_template/logs@custom ');
    const policy = readRepoJson<{ policy: { phases: { delete: { min_age: string; actions: Props } } } }>(
      'logging/elasticsearch/ilm-policy.json',
    );
    expect(policy.policy.phases.delete).toEqual({ min_age: '__RETENTION_DAYS__d', actions: { delete: {} } });
    expect(services['elasticsearch-setup']!.environment!.LOG_RETENTION_DAYS).toBe('${LOG_RETENTION_DAYS:-30}');
  });

  it('Kibana gets a data view that works before the first log, and the two saved searches on it', () => {
    const view = readRepoJson<{ override: boolean; data_view: Props }>('logging/kibana/data-view.json');
    expect(view).toMatchObject({
      override: true,
      data_view: { id: 'logs-todo', title: 'logs-todo*', timeFieldName: '@timestamp', allowNoIndex: true },
    });
    const searches = readRepoFile('logging/kibana/saved-objects.ndjson')
      .trim()
      .split('\n')
      .map(
        (line) =>
          JSON.parse(line) as {
            type: string;
            attributes: { title: string; kibanaSavedObjectMeta: { searchSourceJSON: string } };
            references: { id: string }[];
          },
      );
    expect(searches.map((s) => s.attributes.title)).toEqual(['API errors', 'Slow requests']);
    const mappings = installedMappings();
    for (const search of searches) {
      expect(search.type).toBe('search');
      expect(search.references.map((r) => r.id)).toEqual(['logs-todo']);
      const query = (JSON.parse(search.attributes.kibanaSavedObjectMeta.searchSourceJSON) as { query: { query: string } }).query.query;
      // Every field a query names is one we map.
      for (const field of query.match(/[\w.@]+(?=\s*(?::|>=|<=|>|<))/g) ?? []) expect(mappings.has(field), field).toBe(true);
    }
  });
});

describe('from Grafana and Slack to the logs', () => {
  interface DataSource {
    uid: string;
    type: string;
    url: string;
    basicAuthUser?: string;
    jsonData?: Props;
    secureJsonData?: Record<string, string>;
  }
  const dataSources = readRepoYaml<{ datasources: DataSource[] }>(
    'monitoring/grafana/provisioning/datasources/datasources.yml',
  ).datasources;

  it('Grafana reads the log data streams as the read-only user, its password from a file', () => {
    const elasticsearch = dataSources.find((d) => d.type === 'elasticsearch')!;
    expect(elasticsearch).toMatchObject({ uid: 'elasticsearch-logs', url: 'http://elasticsearch:9200', basicAuthUser: 'todo_log_reader' });
    expect(elasticsearch.jsonData).toMatchObject({
      index: 'logs-todo*',
      timeField: '@timestamp',
      logLevelField: 'log.level',
      logMessageField: 'message',
    });
    expect(elasticsearch.secureJsonData).toEqual({ basicAuthPassword: '$__file{/run/app-secrets/es_reader_password}' });
    const reader = readRepoJson<{ cluster: string[]; indices: { names: string[]; privileges: string[] }[] }>(
      'logging/elasticsearch/reader-role.json',
    );
    expect(reader.indices).toEqual([{ names: ['logs-todo*'], privileges: ['read', 'view_index_metadata'] }]);
  });

  it('the API dashboard ends with a logs panel on that data source, querying only mapped fields', () => {
    const dashboard = readRepoJson<{
      panels: { type: string; gridPos: { y: number; h: number }; datasource: { uid: string }; targets: { query: string }[] }[];
    }>('monitoring/grafana/dashboards/api-overview.json');
    const last = dashboard.panels.at(-1)!;
    expect(last.type).toBe('logs');
    expect(last.datasource.uid).toBe('elasticsearch-logs');
    expect(Math.max(...dashboard.panels.map((p) => p.gridPos.y))).toBe(last.gridPos.y);
    const mappings = installedMappings();
    for (const field of last.targets[0]!.query.match(/[\w.@]+(?=:)/g) ?? []) expect(mappings.has(field), field).toBe(true);
  });

  it('the Slack message links to Kibana Discover on the logs-todo data view, with `|` escaped for Slack', () => {
    const template = readRepoFile('monitoring/alertmanager/templates/slack.tmpl');
    const url = /define "slack\.todo\.kibanaurl" -\}\}([\s\S]*?)\{\{- end \}\}/.exec(template)![1]!;
    expect(url).toContain('http://localhost:5601/app/discover#/');
    expect(url).toContain('dataViewId:logs-todo');
    expect(url).toContain("query:'service.name:%22{{ . | urlquery }}%22");
    // Outside template actions, no character Slack or a URL parser would cut at.
    expect(url.replace(/\{\{[\s\S]*?\}\}/g, '')).not.toMatch(/[|+ ">]/);
    expect(template).toContain('<{{ template "slack.todo.kibanaurl" . }}|:mag: Logs>');
  });
});

describe('shell scripts', () => {
  it('pass shellcheck (POSIX sh: they run in the Elasticsearch and Kibana images)', async () => {
    const { execFile } = await import('node:child_process');
    const scripts = [
      'logging/setup/preflight.sh',
      'logging/setup/elasticsearch-setup.sh',
      'logging/setup/kibana-setup.sh',
      'logging/kibana/entrypoint.sh',
    ];
    const result = await new Promise<{ code: number; output: string }>((resolve) => {
      execFile('shellcheck', ['-x', '-s', 'sh', ...scripts], { cwd: repoRoot }, (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        const notRunnable =
          error !== null && code === -1 ? `shellcheck not runnable (install it: apt-get install shellcheck): ${error.message}` : '';
        resolve({ code, output: `${stdout}${stderr}${notRunnable}` });
      });
    });
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  });
});
