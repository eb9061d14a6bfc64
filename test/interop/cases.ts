/**
 * The interop test cases of grpc/grpc doc/interop-test-descriptions.md
 * ("Client" section), one function per case, on wiregrpc's client. Each reads
 * like the spec: the procedure, then the client's assertions. Nothing here is
 * a gap: our client checks every assertion, including the compressed flag of
 * each message in both directions.
 */
import { Code, codeName, GrpcError, Metadata, type MetadataValue } from '../../src/service/index.js';
import type { CallOptions } from '../../src/service/index.js';
import {
  ECHO_INITIAL,
  ECHO_TRAILING,
  SPECIAL_STATUS_MESSAGE,
  type CaseFn,
  type CaseName,
  Failure,
  check,
  checkBody,
  zeros,
} from './harness.js';
import type {
  SimpleRequest,
  SimpleResponse,
  StreamingInputCallRequest,
  StreamingInputCallResponse,
  StreamingOutputCallRequest,
  StreamingOutputCallResponse,
} from './testing.js';

/** A server-streaming or bidi call's responses, as wiregrpc returns them. */
export interface Responses<T> extends AsyncIterableIterator<T> {
  readonly headers: Promise<Metadata>;
  readonly trailers: Promise<Metadata>;
  cancel(): void;
}

/** The TestService stub, typed for what the cases call. */
export interface TestServiceStub {
  emptyCall(request: object, options?: CallOptions): Promise<object>;
  unaryCall(request: SimpleRequest, options?: CallOptions): Promise<SimpleResponse>;
  streamingInputCall(
    requests: AsyncIterable<StreamingInputCallRequest> | StreamingInputCallRequest[],
    options?: CallOptions,
  ): Promise<StreamingInputCallResponse>;
  streamingOutputCall(
    request: StreamingOutputCallRequest,
    options?: CallOptions,
  ): Responses<StreamingOutputCallResponse>;
  fullDuplexCall(
    requests: AsyncIterable<StreamingOutputCallRequest> | StreamingOutputCallRequest[],
    options?: CallOptions,
  ): Responses<StreamingOutputCallResponse>;
  unimplementedCall(request: object, options?: CallOptions): Promise<object>;
}

export interface UnimplementedServiceStub {
  unimplementedCall(request: object, options?: CallOptions): Promise<object>;
}

/**
 * A request stream the case writes to one message at a time (ping_pong and
 * the cancel cases need to send, wait for a reply, then send again).
 */
export class RequestQueue<T> implements AsyncIterableIterator<T> {
  private readonly queued: T[] = [];
  private waiting: ((result: IteratorResult<T>) => void) | undefined;
  private closed = false;

  push(message: T): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    if (waiting) waiting({ value: message, done: false });
    else this.queued.push(message);
  }

  /** The half-close. */
  close(): void {
    this.closed = true;
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<T>> {
    if (this.queued.length > 0) return Promise.resolve({ value: this.queued.shift()!, done: false });
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  return(): Promise<IteratorResult<T>> {
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/** The call must fail with `code`; resolves to its error. */
async function expectStatus(what: string, code: Code, run: () => Promise<unknown>): Promise<GrpcError> {
  try {
    await run();
  } catch (err) {
    if (!(err instanceof GrpcError)) throw new Failure(`${what}: failed with a non-gRPC error: ${String(err)}`);
    check(
      err.code === code,
      `${what}: status ${codeName(err.code)} (${JSON.stringify(err.rawMessage)}), want ${codeName(code)}`,
    );
    return err;
  }
  throw new Failure(`${what}: succeeded, want ${codeName(code)}`);
}

async function collect<T>(responses: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const r of responses) all.push(r);
  return all;
}

/** Records the compressed flag of every response message of a call. */
function flagRecorder(): { options: CallOptions; flags: boolean[] } {
  const flags: boolean[] = [];
  return { flags, options: { onMessageReceived: ({ compressed }) => void flags.push(compressed) } };
}

function sameBytes(a: MetadataValue | undefined, b: Uint8Array): boolean {
  return a instanceof Uint8Array && a.length === b.length && a.every((x, i) => x === b[i]);
}

const largeRequest = (extra: SimpleRequest = {}): SimpleRequest => ({
  responseSize: 314159,
  payload: { body: zeros(271828) },
  ...extra,
});
const outputRequest = (sizes: number[], inputSize?: number): StreamingOutputCallRequest => ({
  responseParameters: sizes.map((size) => ({ size })),
  ...(inputSize === undefined ? {} : { payload: { body: zeros(inputSize) } }),
});

export function interopCases(stub: TestServiceStub, unimplemented: UnimplementedServiceStub): Record<CaseName, CaseFn> {
  return {
    async empty_unary() {
      const response = await stub.emptyCall({});
      check(response !== undefined && response !== null, 'response is null');
    },

    async large_unary() {
      const response = await stub.unaryCall(largeRequest());
      checkBody(response.payload?.body, 314159);
    },

    async client_compressed_unary() {
      // 1. The feature probe: an uncompressed message that claims to be compressed must be refused.
      await expectStatus('uncompressed probe with expect_compressed=true', Code.INVALID_ARGUMENT, () =>
        stub.unaryCall(largeRequest({ expectCompressed: { value: true } })),
      );
      // 2. Compressed, and says so.
      const compressed = await stub.unaryCall(largeRequest({ expectCompressed: { value: true } }), {
        compression: 'gzip',
      });
      checkBody(compressed.payload?.body, 314159, 'compressed call');
      // 3. Uncompressed, and says so.
      const plain = await stub.unaryCall(largeRequest({ expectCompressed: { value: false } }));
      checkBody(plain.payload?.body, 314159, 'uncompressed call');
    },

    async server_compressed_unary() {
      for (const value of [true, false]) {
        const seen = flagRecorder();
        const response = await stub.unaryCall(largeRequest({ responseCompressed: { value } }), seen.options);
        checkBody(response.payload?.body, 314159, `response_compressed=${value}`);
        check(
          seen.flags.length === 1 && seen.flags[0] === value,
          `response_compressed=${value}: the response's compressed flag was ${seen.flags.join(',')}`,
        );
      }
    },

    async client_streaming() {
      const requests = [27182, 8, 1828, 45904].map((n) => ({ payload: { body: zeros(n) } }));
      const response = await stub.streamingInputCall(requests);
      check(
        response.aggregatedPayloadSize === 74922,
        `aggregated_payload_size ${response.aggregatedPayloadSize}, want 74922`,
      );
    },

    async client_compressed_streaming() {
      await expectStatus('uncompressed probe with expect_compressed=true', Code.INVALID_ARGUMENT, () =>
        stub.streamingInputCall([{ expectCompressed: { value: true }, payload: { body: zeros(27182) } }]),
      );
      // One call: the first message compressed, the second not (the flag is per message).
      const response = await stub.streamingInputCall(
        [
          { expectCompressed: { value: true }, payload: { body: zeros(27182) } },
          { expectCompressed: { value: false }, payload: { body: zeros(45904) } },
        ],
        { compression: 'gzip', compressMessage: (index) => index === 0 },
      );
      check(
        response.aggregatedPayloadSize === 73086,
        `aggregated_payload_size ${response.aggregatedPayloadSize}, want 73086`,
      );
    },

    async server_streaming() {
      const sizes = [31415, 9, 2653, 58979];
      const responses = await collect(stub.streamingOutputCall(outputRequest(sizes)));
      check(responses.length === 4, `${responses.length} responses, want 4`);
      responses.forEach((r, i) => checkBody(r.payload?.body, sizes[i]!, `response ${i}`));
    },

    async server_compressed_streaming() {
      const seen = flagRecorder();
      const request: StreamingOutputCallRequest = {
        responseParameters: [
          { size: 31415, compressed: { value: true } },
          { size: 92653, compressed: { value: false } },
        ],
      };
      const responses = await collect(stub.streamingOutputCall(request, seen.options));
      check(responses.length === 2, `${responses.length} responses, want 2`);
      checkBody(responses[0]!.payload?.body, 31415, 'response 0');
      checkBody(responses[1]!.payload?.body, 92653, 'response 1');
      check(
        seen.flags.join() === 'true,false',
        `compressed flags of the responses: ${seen.flags.join(',')}, want true,false`,
      );
    },

    async ping_pong() {
      const requests = new RequestQueue<StreamingOutputCallRequest>();
      const responses = stub.fullDuplexCall(requests);
      try {
        for (const [out, inp] of [
          [31415, 27182],
          [9, 8],
          [2653, 1828],
          [58979, 45904],
        ] as const) {
          requests.push(outputRequest([out], inp));
          const reply = await responses.next();
          check(!reply.done, `the stream ended before the response of size ${out}`);
          checkBody(reply.value.payload?.body, out);
        }
      } finally {
        requests.close();
      }
      const rest = await collect(responses);
      check(rest.length === 0, `${rest.length} responses after the fourth`);
    },

    async empty_stream() {
      const responses = await collect(stub.fullDuplexCall([]));
      check(responses.length === 0, `${responses.length} responses, want none`);
    },

    async cancel_after_begin() {
      const abort = new AbortController();
      const requests = new RequestQueue<StreamingInputCallRequest>();
      const call = stub.streamingInputCall(requests, { signal: abort.signal });
      abort.abort();
      await expectStatus('StreamingInputCall cancelled before sending', Code.CANCELLED, () => call);
      requests.close();
    },

    async cancel_after_first_response() {
      const requests = new RequestQueue<StreamingOutputCallRequest>();
      const responses = stub.fullDuplexCall(requests);
      requests.push(outputRequest([31415], 27182));
      const first = await responses.next();
      check(!first.done, 'no first response');
      checkBody(first.value.payload?.body, 31415);
      responses.cancel();
      await expectStatus('FullDuplexCall cancelled after the first response', Code.CANCELLED, () => collect(responses));
      requests.close();
    },

    async timeout_on_sleeping_server() {
      const requests = new RequestQueue<StreamingOutputCallRequest>();
      requests.push({ payload: { body: zeros(27182) } });
      try {
        await expectStatus('FullDuplexCall with a 1 ms timeout', Code.DEADLINE_EXCEEDED, () =>
          collect(stub.fullDuplexCall(requests, { timeout: 1 })),
        );
      } finally {
        requests.close();
      }
    },

    async custom_metadata() {
      const trailingValue = new Uint8Array([0xab, 0xab, 0xab]);
      const metadata = () =>
        new Metadata({ [ECHO_INITIAL]: 'test_initial_metadata_value', [ECHO_TRAILING]: trailingValue });
      const verify = (what: string, headers: Metadata | undefined, trailers: Metadata | undefined) => {
        check(
          headers?.get(ECHO_INITIAL) === 'test_initial_metadata_value',
          `${what}: the headers lack the echoed ${ECHO_INITIAL}: ${JSON.stringify(headers?.toJSON())}`,
        );
        check(
          sameBytes(trailers?.get(ECHO_TRAILING), trailingValue),
          `${what}: the trailers lack the echoed ${ECHO_TRAILING}: ${JSON.stringify(trailers?.toJSON())}`,
        );
      };
      // 1. UnaryCall.
      let headers: Metadata | undefined;
      let trailers: Metadata | undefined;
      const response = await stub.unaryCall(largeRequest(), {
        metadata: metadata(),
        onHeader: (md) => (headers = md),
        onTrailer: (md) => (trailers = md),
      });
      checkBody(response.payload?.body, 314159, 'UnaryCall response');
      verify('UnaryCall', headers, trailers);
      // 2. FullDuplexCall, then half-close.
      const responses = stub.fullDuplexCall([outputRequest([314159], 271828)], { metadata: metadata() });
      const all = await collect(responses);
      check(all.length === 1, `FullDuplexCall: ${all.length} responses, want 1`);
      checkBody(all[0]!.payload?.body, 314159, 'FullDuplexCall response');
      verify('FullDuplexCall', await responses.headers, await responses.trailers);
    },

    async status_code_and_message() {
      const responseStatus = { code: 2, message: 'test status message' };
      const unary = await expectStatus('UnaryCall', Code.UNKNOWN, () => stub.unaryCall({ responseStatus }));
      check(unary.rawMessage === responseStatus.message, `UnaryCall: message ${JSON.stringify(unary.rawMessage)}`);
      const duplex = await expectStatus('FullDuplexCall', Code.UNKNOWN, () =>
        collect(stub.fullDuplexCall([{ responseStatus }])),
      );
      check(
        duplex.rawMessage === responseStatus.message,
        `FullDuplexCall: message ${JSON.stringify(duplex.rawMessage)}`,
      );
    },

    async special_status_message() {
      const err = await expectStatus('UnaryCall', Code.UNKNOWN, () =>
        stub.unaryCall({ responseStatus: { code: 2, message: SPECIAL_STATUS_MESSAGE } }),
      );
      check(
        err.rawMessage === SPECIAL_STATUS_MESSAGE,
        `message ${JSON.stringify(err.rawMessage)}, want ${JSON.stringify(SPECIAL_STATUS_MESSAGE)}`,
      );
    },

    async unimplemented_method() {
      await expectStatus('TestService/UnimplementedCall', Code.UNIMPLEMENTED, () => stub.unimplementedCall({}));
    },

    async unimplemented_service() {
      await expectStatus('UnimplementedService/UnimplementedCall', Code.UNIMPLEMENTED, () =>
        unimplemented.unimplementedCall({}),
      );
    },
  };
}
