/**
 * The server side of wiregrpc's own HTTP/2 (`transport: 'wiregrpc'`): the
 * sockets front.ts knows to be HTTP/2 (ALPN `h2`, or the cleartext preface)
 * each become an H2ServerConnection (h2-server-connection.ts), and each new
 * stream goes to the transport's `accept` with its header list as it came off
 * the wire — the same path node:http2's 'stream' takes (server-transport.ts).
 *
 * Request headers stay the flat list src/h2 decoded: the call keeps it
 * (received-headers.ts). The transport's checks read only a handful of fields,
 * picked here in one pass into one small object of fixed shape (`requestFields`)
 * rather than a record of every field: for grpc-go's nine request fields,
 * 120–350 ns per request against 880–1060 ns for a null-prototype record of
 * them all as node:http2 builds it (Node 20, 2·10⁶ of each, shared machine).
 */
import type { IncomingHttpHeaders } from 'node:http2';
import type { Socket } from 'node:net';
import type { Settings } from '../h2/settings.js';
import { H2ServerConnection, pingPolicy, type H2ServerConfig } from './h2-server-connection.js';
import { DEFAULT_MAX_RESETS_PER_SECOND, type LoadShedder } from './load-shed.js';
import type { ConnectionPolicy } from './server-connection.js';
import { DEFAULT_MAX_METADATA_SIZE, type ServerTransportOptions } from './server-options.js';
import type { StreamLike } from './stream-like.js';

/** What the transport does with a new request (server-transport.ts `accept`). */
export type AcceptCall = (
  stream: StreamLike,
  fields: IncomingHttpHeaders,
  headers: readonly string[],
  conn: H2ServerConnection,
) => void;

export class H2Acceptor {
  /** Open connections. */
  readonly connections = new Set<H2ServerConnection>();
  private readonly config: H2ServerConfig;

  constructor(options: ServerTransportOptions, policy: ConnectionPolicy, shedder: LoadShedder, accept: AcceptCall) {
    const maxHeaderListSize = options.maxMetadataSize ?? DEFAULT_MAX_METADATA_SIZE;
    this.config = Object.freeze({
      policy,
      shedder,
      settings: Object.freeze(ourSettings(options, maxHeaderListSize)),
      maxHeaderListSize,
      // One connection never gets more than the whole server's budget (load-shed.ts counts across connections).
      maxResetsPerSecond: options.maxResetsPerSecond ?? DEFAULT_MAX_RESETS_PER_SECOND,
      onCall: (stream: StreamLike, headers: readonly string[], conn: H2ServerConnection) =>
        accept(stream, requestFields(headers), headers, conn),
      onClosed: (conn: H2ServerConnection) => this.connections.delete(conn),
      ping: pingPolicy(policy),
    });
  }

  /** A socket known to speak HTTP/2 (front.ts). */
  accept(socket: Socket): void {
    socket.setNoDelay(true); // frames of one tick leave in one write already (src/h2/output.ts)
    const conn = new H2ServerConnection(socket, this.config);
    if (!conn.isClosed) this.connections.add(conn); // (a socket already gone closes it at once)
  }

  /** GOAWAY on every connection; resolves when each one has closed (its calls done). */
  shutdown(): Promise<void>[] {
    const done: Promise<void>[] = [];
    for (const conn of this.connections) {
      done.push(conn.whenClosed());
      conn.drain(Infinity);
    }
    return done;
  }

  /** Every connection closed now. */
  destroyAll(): void {
    for (const conn of this.connections) conn.destroy();
    this.connections.clear();
  }
}

/** The SETTINGS we announce: node:http2's option names are src/h2's (`http2Settings` may add to them). */
function ourSettings(options: ServerTransportOptions, maxHeaderListSize: number): Partial<Settings> {
  const settings: Partial<Settings> = {
    enablePush: false,
    maxConcurrentStreams: options.maxConcurrentStreams ?? 100,
    maxHeaderListSize,
  };
  const more = options.http2Settings;
  if (more === undefined) return settings;
  if (more.headerTableSize !== undefined) settings.headerTableSize = more.headerTableSize;
  if (more.initialWindowSize !== undefined) settings.initialWindowSize = more.initialWindowSize;
  if (more.maxFrameSize !== undefined) settings.maxFrameSize = more.maxFrameSize;
  if (more.maxConcurrentStreams !== undefined) settings.maxConcurrentStreams = more.maxConcurrentStreams;
  if (more.maxHeaderListSize !== undefined) settings.maxHeaderListSize = more.maxHeaderListSize;
  return settings;
}

/** The fields the transport's checks read (request-check.ts, cors.ts, grpc-encoding and -timeout), first value of each. */
class RequestFields {
  ':method': string | undefined = undefined;
  ':path': string | undefined = undefined;
  'content-type': string | undefined = undefined;
  'grpc-encoding': string | undefined = undefined;
  'grpc-accept-encoding': string | undefined = undefined;
  'grpc-timeout': string | undefined = undefined;
  origin: string | undefined = undefined;
  'access-control-request-method': string | undefined = undefined;
  'access-control-request-headers': string | undefined = undefined;
}

/**
 * One pass over the list: the fields `RequestFields` names (a field sent twice: its first value). src/h2 has
 * already refused what would not make the list a request (each field, RFC 9113 §8.2; the pseudo-header fields and
 * the shape of :path, §8.3.1: pseudo-headers.ts).
 */
export function requestFields(headers: readonly string[]): IncomingHttpHeaders {
  const fields = new RequestFields();
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!;
    switch (name) {
      case ':method':
      case ':path':
      case 'content-type':
      case 'grpc-encoding':
      case 'grpc-accept-encoding':
      case 'grpc-timeout':
      case 'origin':
      case 'access-control-request-method':
      case 'access-control-request-headers':
        fields[name] ??= headers[i + 1];
        break;
      default:
        break;
    }
  }
  return fields as unknown as IncomingHttpHeaders;
}
