import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, parseConfig } from './config.js';

describe('parseConfig', () => {
  it('uses the rendered API base URL without a trailing slash', () => {
    expect(parseConfig({ apiBaseUrl: '/api' })).toEqual({ apiBaseUrl: '/api' });
    expect(parseConfig({ apiBaseUrl: 'https://api.example.com/api/' })).toEqual({ apiBaseUrl: 'https://api.example.com/api' });
  });

  it('falls back to same-origin /api for anything unusable', () => {
    for (const value of [
      null,
      'x',
      {},
      { apiBaseUrl: 3 },
      { apiBaseUrl: '' },
      { apiBaseUrl: '/' },
      { apiBaseUrl: 'javascript:alert(1)' },
    ]) {
      expect(parseConfig(value)).toEqual(DEFAULT_CONFIG);
    }
  });
});
