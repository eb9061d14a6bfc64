/**
 * One gRPC-Web call over `fetch` (grpc/grpc doc/PROTOCOL-WEB.md): framed
 * request bytes out, framed response bytes and a status back. Web APIs only
 * — fetch, ReadableStream, AbortController, TextEncoder — so it runs in
 * browsers, workers, Node ≥ 18, Deno and Bun alike.
 *
 *   POST {baseUrl}/pkg.Service/Method
 *   content-type: application/grpc-web+proto   (or -text+proto: base64 both ways)
 *   x-grpc-web: 1, x-user-agent, grpc-timeout, metadata
 *   body: one Length-Prefixed-Message
 *
 *   200, content-type: application/grpc-web...
 *   body: messages, then a frame flagged 0x80 carrying the trailers as text;
 *   or no body and grpc-status in the headers (Trailers-Only).
 *
 * fetch gives no full-duplex streams in browsers, so only unary and
 * server-streaming calls exist here: the request is sent whole, the response
 * is read as it arrives (`body.getReader()`).
 */
import { Code } from '../wire/grpc/code.js';
import { parseContentType } from '../wire/grpc/content-type.js';
import { Deframer } from '../wire/grpc/deframer.js';
import { GrpcError } from '../wire/grpc/error.js';
import { encodeFrame, FLAG_COMPRESSED, FLAG_TRAILERS } from '../wire/grpc/frame.js';
import { encodeBase64Bytes, parseTrailers, TextDeframer } from '../wire/grpc/grpc-web.js';
import { DeadlineTimer } from '../wire/grpc/deadline-timer.js';
import { codeFromHttpStatus } from '../wire/grpc/http-status.js';
import { Metadata, type HeaderRecord, type MetadataValue } from '../wire/grpc/metadata.js';
import { statusFromTrailers } from '../wire/grpc/status.js';
import { encodeTimeout } from '../wire/grpc/timeout.js';
import { metadataFromReceived } from '../wire/grpc/received-metadata.js';

export type MetadataInit = Metadata | Record<string, MetadataValue | MetadataValue[]>;

/** Per call. */
export interface WebCallOptions {
  /** Milliseconds from now; sent as `grpc-timeout`, and the call is abandoned locally when it passes. */
  timeout?: number;
  /** An absolute deadline (Date or epoch ms); the earlier of `timeout` and `deadline` wins. */
  deadline?: Date | number;
  metadata?: MetadataInit;
  /** Aborting it cancels the call (CANCELLED). */
  signal?: AbortSignal;
  /** The response headers' metadata, once they arrive. */
  onHeader?(metadata: Metadata): void;
  /** The trailers' metadata, once the status arrives (also for errors). */
  onTrailer?(metadata: Metadata): void;
}

/** Per client: where and how calls go. */
export interface WebTransportOptions {
  /** `http://127.0.0.1:8080` or `https://api.example/prefix`; the method path is appended. */
  baseUrl: string;
  /** `binary` (default): application/grpc-web+proto. `text`: application/grpc-web-text+proto, base64 bodies. */
  format?: 'binary' | 'text';
  /** Metadata sent with every call (a call's own metadata adds to it). */
  metadata?: MetadataInit;
  /** Largest response message accepted (default 4 MiB). Larger → RESOURCE_EXHAUSTED. */
  maxReceiveMessageLength?: number;
  /** fetch's `credentials` (cookies, HTTP auth) for cross-origin calls; default the browser's ("same-origin"). */
  credentials?: 'omit' | 'same-origin' | 'include';
  /** Another fetch (tests, polyfills, a fetch with a proxy agent). */
  fetch?: typeof fetch;
}

const USER_AGENT = 'wiregrpc-web/0.1';

function toMetadata(init: MetadataInit | undefined): Metadata | undefined {
  return init === undefined || init instanceof Metadata ? init : new Metadata(init);
}

/**
 * The framed response messages of one call, in order; the generator returns
 * once the status is OK and throws GrpcError otherwise. Ending the iteration
 * early (break, return) aborts the request.
 */
export async function* webCall(
  transport: WebTransportOptions,
  path: string,
  request: Uint8Array,
  options: WebCallOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  const text = transport.format === 'text';
  const headers = new Headers();
  headers.set('content-type', text ? 'application/grpc-web-text+proto' : 'application/grpc-web+proto');
  headers.set('accept', text ? 'application/grpc-web-text' : 'application/grpc-web');
  headers.set('x-grpc-web', '1');
  headers.set('x-user-agent', USER_AGENT);
  for (const md of [toMetadata(transport.metadata), toMetadata(options.metadata)]) {
    if (md === undefined) continue;
    const record = md.toHeaders({}, { skipReserved: true }); // metadata never replaces a protocol field
    for (const key of Object.keys(record)) {
      const value = record[key]!;
      if (Array.isArray(value)) for (const v of value) headers.append(key, v);
      else headers.append(key, String(value));
    }
  }

  // Cancel and deadline: one controller aborts fetch and the body reader, its reason a GrpcError.
  const controller = new AbortController();
  let timer: DeadlineTimer<AbortController> | undefined;
  const userSignal = options.signal;
  const onUserAbort = (): void => controller.abort(new GrpcError(Code.CANCELLED, 'the call was cancelled'));
  const timeout = timeLeft(options);
  if (timeout !== undefined) {
    if (timeout <= 0) throw new GrpcError(Code.DEADLINE_EXCEEDED, 'deadline exceeded before the call started');
    headers.set('grpc-timeout', encodeTimeout(timeout));
    // A DeadlineTimer, not setTimeout: setTimeout fires at once past 2^31-1 ms (~24.8 days).
    timer = new DeadlineTimer(
      Date.now() + timeout,
      (c) => c.abort(new GrpcError(Code.DEADLINE_EXCEEDED, `deadline exceeded (${timeout} ms)`)),
      controller,
    );
  }
  if (userSignal !== undefined) {
    if (userSignal.aborted) throw new GrpcError(Code.CANCELLED, 'the call was cancelled before it started');
    userSignal.addEventListener('abort', onUserAbort, { once: true });
  }
  const failure = (err: unknown, what: string): GrpcError => {
    if (controller.signal.aborted && controller.signal.reason instanceof GrpcError) return controller.signal.reason;
    if (err instanceof GrpcError) return err;
    return new GrpcError(Code.UNAVAILABLE, `${what}: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  };

  const frame = encodeFrame(request);
  const url = transport.baseUrl.replace(/\/+$/, '') + path;
  let finished = false;
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  try {
    let response: Response;
    try {
      response = await (transport.fetch ?? fetch)(url, {
        method: 'POST',
        headers,
        body: text ? encodeBase64Bytes(frame) : frame,
        signal: controller.signal,
        ...(transport.credentials !== undefined ? { credentials: transport.credentials } : {}),
      });
    } catch (err) {
      throw failure(err, `POST ${url} failed`);
    }

    const head = headerRecord(response.headers);
    if (head['grpc-status'] !== undefined) {
      // Trailers-Only: the status is in the headers, the body is empty.
      void response.body?.cancel().catch(noop);
      finished = true;
      return settle(head, options);
    }
    if (response.status !== 200) {
      void response.body?.cancel().catch(noop);
      throw new GrpcError(
        codeFromHttpStatus(response.status),
        `POST ${url}: HTTP ${response.status} ${response.statusText} and no grpc-status`,
      );
    }
    const type = parseContentType(head['content-type'] as string | undefined);
    if (type === undefined || !type.web) {
      void response.body?.cancel().catch(noop);
      throw new GrpcError(
        Code.UNKNOWN,
        `POST ${url}: the response is not gRPC-Web (content-type ${JSON.stringify(head['content-type'] ?? '')})`,
      );
    }
    options.onHeader?.(metadataFromReceived(head));
    if (response.body === null)
      throw new GrpcError(Code.INTERNAL, `POST ${url}: the response has no body and no status`);

    const limits = {
      maxMessageLength: transport.maxReceiveMessageLength,
      allowedFlags: FLAG_COMPRESSED | FLAG_TRAILERS,
    };
    const deframer = type.text ? new TextDeframer(limits) : new Deframer(limits);
    reader = response.body.getReader();
    let trailers: HeaderRecord | undefined;
    for (;;) {
      let chunk: Awaited<ReturnType<ReadableStreamDefaultReader<Uint8Array>['read']>>;
      try {
        chunk = await reader.read();
      } catch (err) {
        throw failure(err, `POST ${url}: reading the response failed`);
      }
      if (chunk.done) break;
      for (const f of deframer.push(chunk.value)) {
        if (trailers !== undefined) throw new GrpcError(Code.INTERNAL, 'data after the trailers frame');
        if ((f.flags & FLAG_TRAILERS) !== 0) trailers = parseTrailers(f.data);
        else if (f.compressed)
          throw new GrpcError(Code.INTERNAL, 'a compressed response message, though the call accepts no grpc-encoding');
        else yield f.data;
      }
    }
    deframer.end();
    finished = true;
    return settle(trailers ?? {}, options);
  } finally {
    timer?.clear();
    userSignal?.removeEventListener('abort', onUserAbort);
    // Stopped early (the caller's break, or an error): let go of the connection.
    if (!finished && !controller.signal.aborted)
      controller.abort(new GrpcError(Code.CANCELLED, 'the caller stopped reading'));
    reader?.releaseLock();
  }
}

/** The status in a trailers block (or Trailers-Only headers): nothing for OK, a GrpcError thrown otherwise. */
function settle(trailers: HeaderRecord, options: WebCallOptions): void {
  const error = statusFromTrailers(trailers);
  options.onTrailer?.(error === undefined ? metadataFromReceived(trailers) : error.metadata);
  if (error !== undefined) throw error;
}

function timeLeft(options: WebCallOptions): number | undefined {
  let ms = options.timeout;
  if (options.deadline !== undefined) {
    const left = Number(options.deadline) - Date.now();
    ms = ms === undefined ? left : Math.min(ms, left);
  }
  return ms === undefined ? undefined : Math.ceil(ms);
}

function headerRecord(headers: Headers): HeaderRecord {
  const out: HeaderRecord = {};
  headers.forEach((value, key) => {
    out[key] = value;
  });
  return out;
}

function noop(): void {}
