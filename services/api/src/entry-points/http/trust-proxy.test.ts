import { describe, expect, it } from 'vitest';
import { createLogger } from '../../observability/logger.js';
import { RequestContext } from '../../observability/request-context.js';
import { TrustedProxies, type ResolveHost } from './trust-proxy.js';

const logger = createLogger({ level: 'error', service: { name: 'test', version: '0' }, context: new RequestContext() });

/** A resolver whose answers the test changes, as Docker's DNS does when a container restarts. */
function fakeDns(answers: Record<string, string[] | Error>): ResolveHost {
  return (hostname) => {
    const answer = answers[hostname];
    if (answer === undefined) return Promise.reject(new Error(`getaddrinfo ENOTFOUND ${hostname}`));
    return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
  };
}

describe('TrustedProxies', () => {
  it('trusts a hostname at the addresses it resolves to, and follows a new address after a refresh', async () => {
    const answers: Record<string, string[] | Error> = { frontend: ['172.18.0.5'] };
    const proxies = new TrustedProxies(['frontend'], logger, fakeDns(answers));
    expect(proxies.trusts('172.18.0.5', 0)).toBe(false); // nothing before the first lookup
    await proxies.refresh();
    expect(proxies.trusts('172.18.0.5', 0)).toBe(true);
    expect(proxies.trusts('::ffff:172.18.0.5', 0)).toBe(true);
    expect(proxies.trusts('172.18.0.1', 0)).toBe(false); // the Docker gateway: host connections
    answers.frontend = ['172.18.0.9'];
    await proxies.refresh();
    expect(proxies.trusts('172.18.0.9', 0)).toBe(true);
    expect(proxies.trusts('172.18.0.5', 0)).toBe(false);
  });

  it('trusts nothing for a hostname whose lookup fails, never everything', async () => {
    const answers: Record<string, string[] | Error> = { frontend: ['172.18.0.5'] };
    const proxies = new TrustedProxies(['frontend'], logger, fakeDns(answers));
    await proxies.refresh();
    answers.frontend = new Error('getaddrinfo EAI_AGAIN frontend');
    await proxies.refresh();
    for (const address of ['172.18.0.5', '127.0.0.1', '10.0.0.1', '::1']) expect(proxies.trusts(address, 0)).toBe(false);
  });

  it('mixes hostnames with IPs, CIDRs and keywords', async () => {
    const proxies = new TrustedProxies(['frontend', '10.1.0.0/16', 'loopback'], logger, fakeDns({ frontend: ['172.18.0.5'] }));
    await proxies.refresh();
    expect(proxies.trusts('172.18.0.5', 0)).toBe(true);
    expect(proxies.trusts('10.1.2.3', 0)).toBe(true);
    expect(proxies.trusts('127.0.0.1', 0)).toBe(true);
    expect(proxies.trusts('192.168.1.1', 0)).toBe(false);
  });

  it('passes booleans and hop counts to Express unchanged', () => {
    expect(new TrustedProxies(false, logger).expressSetting()).toBe(false);
    expect(new TrustedProxies(1, logger).expressSetting()).toBe(1);
  });
});
