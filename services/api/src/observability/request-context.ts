import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

export interface RequestScope {
  requestId: string;
}

const VALID_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** Keeps a caller's request id when it is safe to log and echo, else makes a new one. */
export function acceptRequestId(incoming: string | string[] | undefined): string {
  return typeof incoming === 'string' && VALID_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/** Carries the request id to every log line written while a request is handled. */
export class RequestContext {
  private readonly storage = new AsyncLocalStorage<RequestScope>();

  run<T>(scope: RequestScope, fn: () => T): T {
    return this.storage.run(scope, fn);
  }

  current(): RequestScope | undefined {
    return this.storage.getStore();
  }
}
