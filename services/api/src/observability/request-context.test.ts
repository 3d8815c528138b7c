import { describe, expect, it } from 'vitest';
import { RequestContext, acceptRequestId } from './request-context.js';

describe('acceptRequestId', () => {
  it('keeps ids of up to 128 safe characters', () => {
    expect(acceptRequestId('abc-DEF_1.2')).toBe('abc-DEF_1.2');
    expect(acceptRequestId('a'.repeat(128))).toBe('a'.repeat(128));
  });

  it.each([['a'.repeat(129)], ['a b'], ['x\r\ny'], [''], [['a', 'b']], [undefined]])('replaces %j with a UUID', (incoming) => {
    expect(acceptRequestId(incoming)).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('RequestContext', () => {
  it('carries the scope across awaits and nowhere else', async () => {
    const context = new RequestContext();
    const seen = await context.run({ requestId: 'r1' }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return context.current()?.requestId;
    });
    expect(seen).toBe('r1');
    expect(context.current()).toBeUndefined();
  });
});
