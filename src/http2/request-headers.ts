/**
 * The headers of a gRPC request (grpc/grpc doc/PROTOCOL-HTTP2.md, "Requests"):
 *
 *     :method POST                      always
 *     :scheme http | https
 *     :path /proto.UserInfo/GetUserInfo  /<service full name>/<method name>
 *     :authority localhost:50051         the target, or an override
 *     content-type application/grpc      (+proto is implied)
 *     te trailers                        says we understand trailers; proxies must not drop it
 *     user-agent wiregrpc/0.1.0
 *     grpc-accept-encoding identity,gzip,deflate
 *     grpc-timeout 1500m                 only with a deadline
 *     grpc-encoding gzip                 only when this call compresses its messages
 *     grpc-previous-rpc-attempts 2       only on a retry or hedge (gRFC A6): attempts before this one
 *     ...custom metadata                 `-bin` values base64
 *
 * Everything but the last four is fixed per channel and method, so it is built
 * once (`methodHeaders`) and each call adds only what is its own (`callHeaders`).
 */
import { encodeTimeout } from '../wire/grpc/timeout.js';
import type { HeaderRecord, Metadata } from '../wire/grpc/metadata.js';
import { ACCEPT_ENCODING } from './compression.js';

function packageVersion(): string {
  // src/http2 (run from source) or dist/src/http2 (compiled): look up for our package.json.
  // node:fs is loaded here, not imported: bundles (WIREGRPC_VERSION below) never need it.
  const { readFileSync } = process.getBuiltinModule('node:fs');
  for (const up of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'wiregrpc' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not there: try one level further up
    }
  }
  return '0.0.0';
}

/** Written in by the bundler (scripts/bundle.mjs, esbuild `define`): the bundles need not read package.json. */
declare const WIREGRPC_VERSION: string | undefined;

/** `wiregrpc/<version>`, sent as `user-agent`. */
export const USER_AGENT = `wiregrpc/${typeof WIREGRPC_VERSION === 'string' ? WIREGRPC_VERSION : packageVersion()}`;

export interface ChannelHeaderOptions {
  scheme: 'http' | 'https';
  authority: string;
  /** Put in front of ours: `my-app/2.0 wiregrpc/0.1.0`. */
  userAgentPrefix?: string;
}

/** Every record methodHeaders made: a transport may prepare such a record once and reuse it (h2-client-headers.ts). */
const templates = new WeakSet<HeaderRecord>();

/** `headers` is a method's template (constant for the channel's life), not one call's own headers. */
export function isTemplate(headers: HeaderRecord): boolean {
  return templates.has(headers);
}

/** The constant headers of one method on one channel. Treat the result as frozen: calls copy it. */
export function methodHeaders(channel: ChannelHeaderOptions, path: string): HeaderRecord {
  const template: HeaderRecord = {
    ':method': 'POST',
    ':scheme': channel.scheme,
    ':path': path,
    ':authority': channel.authority,
    'content-type': 'application/grpc',
    te: 'trailers',
    'user-agent': channel.userAgentPrefix ? `${channel.userAgentPrefix} ${USER_AGENT}` : USER_AGENT,
    'grpc-accept-encoding': ACCEPT_ENCODING,
  };
  templates.add(template);
  return template;
}

/**
 * One call's headers: the method's template plus timeout, encoding, attempt count and metadata.
 * With none of those the template itself is returned (node:http2 copies what
 * it is given). Reserved keys in the metadata (`content-type`, `grpc-timeout`,
 * ...) are dropped: gRPC owns them.
 */
export function callHeaders(
  template: HeaderRecord,
  timeoutMs: number | undefined,
  encoding: string | undefined,
  metadata: Metadata | undefined,
  previousAttempts?: number,
): HeaderRecord {
  const hasMetadata = metadata !== undefined && metadata.size > 0;
  if (timeoutMs === undefined && encoding === undefined && !hasMetadata && previousAttempts === undefined)
    return template;
  let headers: HeaderRecord;
  if (hasMetadata) {
    headers = metadata.toHeaders({}, { skipReserved: true });
    Object.assign(headers, template);
  } else {
    headers = { ...template };
  }
  if (timeoutMs !== undefined) headers['grpc-timeout'] = encodeTimeout(timeoutMs);
  if (encoding !== undefined) headers['grpc-encoding'] = encoding;
  if (previousAttempts !== undefined) headers['grpc-previous-rpc-attempts'] = String(previousAttempts);
  return headers;
}
