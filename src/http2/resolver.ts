/**
 * Name resolution: a target (target.ts) → the addresses to connect to.
 *
 *   ipv4:10.0.0.1:50051,10.0.0.2:50051   the list as written (static)
 *   unix:/run/app.sock, [::1]:50051      the one address as written (static)
 *   dns:///api.example.com:443           every A/AAAA record: dns.lookup(host, { all: true })
 *   localhost:50051                      the same: 127.0.0.1 and/or ::1, as the system says
 *
 * A static target never changes. A name is looked up when the channel first
 * needs it and again when the channel asks (a connection was lost, or every
 * address failed), but not more often than `minIntervalMs`: a flapping server
 * must not turn into a DNS storm. The answer keeps the system's order (which
 * pick_first follows), without duplicates.
 */
import { Code } from '../wire/grpc/code.js';
import { GrpcError } from '../wire/grpc/error.js';
import { isIpAddress, type Address, type Target } from './target.js';

/** `dns.lookup(host, { all: true })`'s answer; replaceable (ChannelOptions.lookup) for tests or a custom DNS. */
export type LookupFunction = (host: string) => Promise<ReadonlyArray<{ address: string }>>;

/** The system's resolver; node:dns is imported on the first name looked up (IP targets never need it). */
const systemLookup: LookupFunction = async (host) => {
  const dns = await import('node:dns');
  return dns.promises.lookup(host, { all: true, verbatim: true });
};

/** Default minimum time between two lookups of the same name, ms (gRPC's min_time_between_resolutions). */
export const MIN_RESOLUTION_INTERVAL_MS = 30_000;

export class Resolver {
  /** The addresses, when no lookup is needed (IP literals, lists, unix sockets). */
  readonly fixed: readonly Address[] | undefined;
  private readonly host: string | undefined;
  private readonly port: number = 0;
  private lastLookup = -Infinity;
  private inflight: Promise<Address[]> | undefined;

  constructor(
    target: Target,
    private readonly lookup: LookupFunction = systemLookup,
    private readonly minIntervalMs: number = MIN_RESOLUTION_INTERVAL_MS,
  ) {
    const first = target.addresses[0]!;
    if (target.scheme === 'dns' && 'host' in first && !isIpAddress(first.host)) {
      this.host = first.host;
      this.port = first.port;
    } else {
      this.fixed = target.addresses;
    }
  }

  /** Whether `resolve()` would look the name up again now (false for static targets and within `minIntervalMs`). */
  canRefresh(now = Date.now()): boolean {
    return this.host !== undefined && this.inflight === undefined && now - this.lastLookup >= this.minIntervalMs;
  }

  /** Looks the name up (one lookup at a time). Rejects with GrpcError(UNAVAILABLE) naming the host and the cause. */
  resolve(): Promise<Address[]> {
    if (this.fixed !== undefined) return Promise.resolve([...this.fixed]);
    this.inflight ??= this.lookupNow().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async lookupNow(): Promise<Address[]> {
    const host = this.host!;
    this.lastLookup = Date.now();
    let answers: ReadonlyArray<{ address: string }>;
    try {
      answers = await this.lookup(host);
    } catch (err) {
      throw new GrpcError(Code.UNAVAILABLE, `name resolution failed for ${host}: ${(err as Error).message}`);
    }
    const seen = new Set<string>();
    const addresses: Address[] = [];
    for (const { address } of answers) {
      if (seen.has(address) || !isIpAddress(address)) continue;
      seen.add(address);
      addresses.push({ host: address, port: this.port });
    }
    if (addresses.length === 0)
      throw new GrpcError(Code.UNAVAILABLE, `name resolution for ${host} returned no addresses`);
    return addresses;
  }
}
