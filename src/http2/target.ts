/**
 * Channel targets, as gRPC names them (grpc/grpc doc/naming.md):
 *
 *     localhost:50051            host and port (the `dns` scheme is implied)
 *     [::1]:50051                an IPv6 literal goes in brackets
 *     dns:///example.com:443     `dns:[//authority/]host[:port]`
 *     dns:example.com            port omitted → 443
 *     unix:/run/app.sock         `unix:path`; `unix:///abs/path` too
 *     ipv4:10.0.0.1:50051,10.0.0.2:50051
 *     ipv6:[::1]:50051,[::2]     a list of literal addresses
 *
 * Parsing only: we keep every address of a list. Names are looked up by
 * resolver.ts, and the channel spreads calls over the addresses (balancer.ts).
 */
import { Code } from '../wire/grpc/code.js';
import { GrpcError } from '../wire/grpc/error.js';

export const DEFAULT_PORT = 443;

export type Address = { readonly host: string; readonly port: number } | { readonly path: string };

export interface Target {
  readonly scheme: 'dns' | 'unix' | 'ipv4' | 'ipv6';
  /** Where to connect: at least one address. */
  readonly addresses: readonly Address[];
  /** The default `:authority`: `host:port` as written (bracketed IPv6), or `localhost` for sockets. */
  readonly authority: string;
  /** The string the user gave: how error messages name the target. */
  readonly text: string;
}

function invalid(text: string, why: string): GrpcError {
  return new GrpcError(Code.INVALID_ARGUMENT, `invalid target ${JSON.stringify(text)}: ${why}`);
}

/** `host`, `host:port`, `[v6]`, `[v6]:port` → host and port. A bare IPv6 literal (`::1`) is accepted too. */
function parseHostPort(text: string, whole: string, defaultPort: number): { host: string; port: number } {
  let host: string;
  let portText: string | undefined;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) throw invalid(whole, 'unclosed "["');
    host = text.slice(1, close);
    const rest = text.slice(close + 1);
    if (rest !== '') {
      if (!rest.startsWith(':')) throw invalid(whole, `unexpected ${JSON.stringify(rest)} after "]"`);
      portText = rest.slice(1);
    }
  } else {
    const colon = text.indexOf(':');
    if (colon >= 0 && text.indexOf(':', colon + 1) >= 0) {
      host = text; // several colons, no brackets: an IPv6 literal without a port
    } else if (colon >= 0) {
      host = text.slice(0, colon);
      portText = text.slice(colon + 1);
    } else {
      host = text;
    }
  }
  if (host === '') throw invalid(whole, 'no host');
  let port = defaultPort;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535)
      throw invalid(whole, `bad port ${JSON.stringify(portText)}`);
    port = Number(portText);
  }
  return { host, port };
}

function formatAuthority(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Parses a target string. Throws GrpcError(INVALID_ARGUMENT) saying what is wrong. */
export function parseTarget(text: string, defaultPort: number = DEFAULT_PORT): Target {
  const trimmed = text.trim();
  if (trimmed === '') throw invalid(text, 'empty');

  if (trimmed.startsWith('unix:')) {
    // unix:path (relative or absolute) and unix://absolute_path.
    let path = trimmed.slice(5);
    if (path.startsWith('//')) path = path.slice(2);
    if (path === '') throw invalid(text, 'no socket path');
    return { scheme: 'unix', addresses: [{ path }], authority: 'localhost', text };
  }

  if (trimmed.startsWith('ipv4:') || trimmed.startsWith('ipv6:')) {
    const scheme = trimmed.slice(0, 4) as 'ipv4' | 'ipv6';
    const list = trimmed.slice(5).split(',');
    const addresses = list.map((item) => parseHostPort(item.trim(), text, defaultPort));
    for (const a of addresses) {
      const isV6 = a.host.includes(':');
      if ((scheme === 'ipv6') !== isV6) throw invalid(text, `${a.host} is not an ${scheme} address`);
    }
    const first = addresses[0]!;
    return { scheme, addresses, authority: formatAuthority(first.host, first.port), text };
  }

  let rest = trimmed;
  if (rest.startsWith('dns:')) {
    rest = rest.slice(4);
    if (rest.startsWith('//')) {
      // dns://[authority]/host:port — the DNS server authority is not supported, only the empty one.
      const slash = rest.indexOf('/', 2);
      if (slash < 0) throw invalid(text, 'expected "dns:///host:port"');
      if (slash !== 2) throw invalid(text, 'a DNS server authority is not supported');
      rest = rest.slice(slash + 1);
    }
  }
  if (rest.includes('/')) throw invalid(text, 'unexpected "/"');
  const { host, port } = parseHostPort(rest, text, defaultPort);
  return { scheme: 'dns', addresses: [{ host, port }], authority: formatAuthority(host, port), text };
}

/** `127.0.0.1:50051`, `[::1]:50051`, `unix:/run/app.sock`: for error messages. */
export function formatAddress(address: Address): string {
  return 'path' in address ? `unix:${address.path}` : formatAuthority(address.host, address.port);
}

/**
 * An IP address literal (what node:net's isIP accepts, without loading node:net):
 * a dotted quad of 0–255 without leading zeros, or IPv6 — eight groups of 1–4 hex
 * digits, `::` standing for one or more zero groups, the last two groups possibly a
 * dotted quad, and an optional `%zone`.
 */
export function isIpAddress(host: string): boolean {
  return isIPv4(host) || isIPv6(host);
}

function isIPv4(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255);
}

function isIPv6(text: string): boolean {
  const zone = text.indexOf('%');
  const address = zone >= 0 ? text.slice(0, zone) : text;
  if (zone >= 0 && zone === text.length - 1) return false;
  const halves = address.split('::');
  if (halves.length > 2) return false;
  const groups = (half: string): string[] | undefined => (half === '' ? [] : half.split(':'));
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (head === undefined || tail === undefined) return false;
  const all = [...head, ...tail];
  let count = all.length;
  const last = all[all.length - 1];
  if (last !== undefined && last.includes('.')) {
    if (!isIPv4(last)) return false;
    all.pop();
    count++; // a dotted quad is two groups
  }
  if (!all.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return false;
  return halves.length === 2 ? count < 8 : count === 8;
}
