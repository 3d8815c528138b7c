import { lookup } from 'node:dns/promises';
import proxyAddr from 'proxy-addr';
import { isProxyHostname, type TrustProxy } from '../../config/config.js';
import { errorFields, type Logger } from '../../observability/logger.js';

/**
 * How often hostnames in TRUST_PROXY are resolved again: a restarted nginx
 * container comes back with a new address, and is trusted again within this.
 */
export const TRUST_PROXY_REFRESH_MS = 30_000;

export type ResolveHost = (hostname: string) => Promise<string[]>;

const resolveAll: ResolveHost = async (hostname) => (await lookup(hostname, { all: true })).map((entry) => entry.address);

/** `::ffff:10.0.0.2` (an IPv4 peer on a dual-stack socket) and `10.0.0.2` are the same peer. */
function normalise(address: string): string {
  return address.toLowerCase().replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');
}

/**
 * Express's `trust proxy` for TRUST_PROXY: booleans and hop counts as Express
 * takes them; a list may mix IPs, CIDRs and keywords (compiled by proxy-addr,
 * as Express does) with hostnames, such as the compose service `frontend`,
 * whose addresses are looked up at start and every TRUST_PROXY_REFRESH_MS.
 * A hostname that does not resolve is trusted for no address, never for all.
 */
export class TrustedProxies {
  private readonly hostnames: string[];
  private readonly fixed: (address: string, hop: number) => boolean;
  private resolved = new Map<string, Set<string>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly setting: TrustProxy,
    private readonly logger: Logger,
    private readonly resolve: ResolveHost = resolveAll,
  ) {
    const entries = Array.isArray(setting) ? setting : [];
    this.hostnames = entries.filter(isProxyHostname);
    const fixedEntries = entries.filter((entry) => !isProxyHostname(entry));
    this.fixed = fixedEntries.length > 0 ? proxyAddr.compile(fixedEntries) : () => false;
  }

  /** The value for `app.set('trust proxy', …)`. */
  expressSetting(): boolean | number | ((address: string, hop: number) => boolean) {
    if (!Array.isArray(this.setting)) return this.setting;
    return (address, hop) => this.trusts(address, hop);
  }

  trusts(address: string, hop: number): boolean {
    if (this.fixed(address, hop)) return true;
    const peer = normalise(address);
    for (const addresses of this.resolved.values()) if (addresses.has(peer)) return true;
    return false;
  }

  /** Resolves every hostname once; a failed lookup leaves that hostname trusting nothing. */
  async refresh(): Promise<void> {
    const next = new Map<string, Set<string>>();
    await Promise.all(
      this.hostnames.map(async (hostname) => {
        try {
          const addresses = new Set((await this.resolve(hostname)).map(normalise));
          next.set(hostname, addresses);
          const before = this.resolved.get(hostname);
          if (before === undefined || [...addresses].some((address) => !before.has(address)) || before.size !== addresses.size) {
            this.logger.info(`trusting proxy ${hostname} at ${[...addresses].join(', ')}`, { 'event.action': 'trust-proxy-resolved' });
          }
        } catch (error) {
          next.set(hostname, new Set());
          // Once per outage of the name, not every refresh.
          if (this.resolved.has(hostname) && this.resolved.get(hostname)?.size === 0) return;
          this.logger.warn(`cannot resolve trusted proxy ${hostname}: trusting no address for it`, {
            'event.action': 'trust-proxy-unresolved',
            ...errorFields(error, { stack: false }),
          });
        }
      }),
    );
    this.resolved = next;
  }

  /** First lookup now, then every TRUST_PROXY_REFRESH_MS until stop(). Nothing to do without hostnames. */
  async start(intervalMs = TRUST_PROXY_REFRESH_MS): Promise<void> {
    if (this.hostnames.length === 0 || this.timer !== undefined) return;
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
