/**
 * A channel's TLS options (ChannelTlsOptions) as node:tls connect options, for
 * both transports: the CA, the client certificate for mutual TLS, and the
 * server name to verify (and send as SNI) — the authority's host unless told,
 * and never an IP address (SNI carries host names only, RFC 6066 §3).
 */
import type tls from 'node:tls';
import type { ChannelTlsOptions } from './h2-client-options.js';
import { isIpAddress } from './target.js';

/** node:tls options for `tlsOption`; undefined for plaintext. */
export function tlsConnectOptions(
  tlsOption: boolean | ChannelTlsOptions | undefined,
  authority: string,
): tls.ConnectionOptions | undefined {
  if (tlsOption === undefined || tlsOption === false) return undefined;
  const t = tlsOption === true ? {} : tlsOption;
  const out: tls.ConnectionOptions = {};
  if (t.ca !== undefined) out.ca = t.ca;
  if (t.cert !== undefined) out.cert = t.cert;
  if (t.key !== undefined) out.key = t.key;
  if (t.rejectUnauthorized !== undefined) out.rejectUnauthorized = t.rejectUnauthorized;
  const servername = t.servername ?? hostOf(authority);
  if (servername !== undefined && !isIpAddress(servername)) out.servername = servername;
  return out;
}

/** `example.com:443` → `example.com`; `[::1]:50051` → `::1`. */
export function hostOf(authority: string): string | undefined {
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    return close > 0 ? authority.slice(1, close) : undefined;
  }
  const colon = authority.lastIndexOf(':');
  return colon >= 0 ? authority.slice(0, colon) : authority;
}
