import './styles.css';
import { TodoApi } from './api.js';
import { TodoApp } from './app.js';
import { DEFAULT_CONFIG, parseConfig, type RuntimeConfig } from './config.js';

/** nginx renders /config.json at container start, so one image serves every environment. */
async function fetchRuntimeConfig(): Promise<RuntimeConfig> {
  try {
    const response = await fetch('/config.json', { cache: 'no-store' });
    return response.ok ? parseConfig(await response.json()) : DEFAULT_CONFIG;
  } catch {
    return DEFAULT_CONFIG;
  }
}

void fetchRuntimeConfig().then((config) => new TodoApp(new TodoApi(config.apiBaseUrl)).start());
