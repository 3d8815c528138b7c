export interface RuntimeConfig {
  /** Base URL of the todo API without a trailing slash: "/api" or "https://api.example.com/api". */
  apiBaseUrl: string;
}

export const DEFAULT_CONFIG: RuntimeConfig = { apiBaseUrl: '/api' };

/** config.json is rendered by nginx at container start; anything unusable falls back to same-origin /api. */
export function parseConfig(value: unknown): RuntimeConfig {
  if (typeof value !== 'object' || value === null) return DEFAULT_CONFIG;
  const raw = (value as Record<string, unknown>).apiBaseUrl;
  if (typeof raw !== 'string') return DEFAULT_CONFIG;
  const apiBaseUrl = raw.trim().replace(/\/+$/, '');
  if (apiBaseUrl === '' || !/^(\/|https?:\/\/)/.test(apiBaseUrl)) return DEFAULT_CONFIG;
  return { apiBaseUrl };
}
