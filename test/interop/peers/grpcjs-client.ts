/**
 * The gRPC interop test client on @grpc/grpc-js, a peer in wiregrpc's interop
 * matrix. Same flags and report as our client (test/interop/client.ts):
 *
 *   node dist/test/interop/peers/grpcjs-client.js --server_port=P [--server_host=H] [--test_case=all|a,b]
 *        [--use_tls=true --use_test_ca=true --ca_file=F --server_host_override=foo.test.google.fr] [--proto_dir=D]
 *
 * Limit of grpc-js 1.14: the compressed flag of a received message is not
 * visible to the application, so the server_compressed_* cases check sizes
 * and contents but not the flag (reported as a note).
 * Compression is per channel (`grpc.default_compression_algorithm`); a single
 * message is sent plain with the NoCompress write flag (2).
 */
import * as grpc from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import {
  ECHO_INITIAL,
  ECHO_TRAILING,
  SPECIAL_STATUS_MESSAGE,
  type CaseFn,
  Failure,
  check,
  checkBody,
  clientFlags,
  runCases,
} from '../harness.js';
import { loadTesting } from './grpcjs-proto.js';

type Msg = Record<string, any>;
type AnyClient = grpc.Client & Record<string, any>;

const FLAG_NOTE =
  'grpc-js does not expose the compressed flag of received messages: sizes and contents checked, flag not';
const WRITE_NO_COMPRESS = 2;
const GZIP = 2; // grpc-js compression algorithm key for gzip

const flags = clientFlags(process.argv.slice(2));
const testing = loadTesting(flags.rest['proto_dir']);
const target = `${flags.serverHost}:${flags.serverPort}`;
const credentials = flags.useTls
  ? grpc.credentials.createSsl(flags.useTestCa ? readFileSync(flags.caFile!) : null)
  : grpc.credentials.createInsecure();
const baseOptions: grpc.ChannelOptions = flags.serverHostOverride
  ? { 'grpc.ssl_target_name_override': flags.serverHostOverride, 'grpc.default_authority': flags.serverHostOverride }
  : {};

const stub = new testing.TestService(target, credentials, baseOptions) as AnyClient;
const gzipStub = new testing.TestService(target, credentials, {
  ...baseOptions,
  'grpc.default_compression_algorithm': GZIP,
}) as AnyClient;
const unimplementedStub = new testing.UnimplementedService(target, credentials, baseOptions) as AnyClient;

const zeros = (n: number) => ({ body: Buffer.alloc(n) });
const largeRequest = (extra: Msg = {}): Msg => ({ response_size: 314159, payload: zeros(271828), ...extra });
const outputRequest = (sizes: number[], inputSize?: number): Msg => ({
  response_parameters: sizes.map((size) => ({ size })),
  ...(inputSize === undefined ? {} : { payload: zeros(inputSize) }),
});

interface UnaryResult {
  response: Msg;
  headers: grpc.Metadata;
  trailers: grpc.Metadata;
}

/** A unary call that also captures the response headers and trailers. */
function unary(client: AnyClient, method: string, request: Msg, metadata = new grpc.Metadata()): Promise<UnaryResult> {
  return new Promise((resolve, reject) => {
    let headers = new grpc.Metadata();
    let trailers = new grpc.Metadata();
    let response: Msg | undefined;
    let error: grpc.ServiceError | null = null;
    const call = client[method](request, metadata, (err: grpc.ServiceError | null, res: Msg) => {
      error = err;
      response = res;
    });
    call.on('metadata', (md: grpc.Metadata) => (headers = md));
    call.on('status', (status: grpc.StatusObject) => {
      trailers = status.metadata;
      // The callback has run by the time 'status' is emitted.
      setImmediate(() => (error ? reject(error) : resolve({ response: response!, headers, trailers })));
    });
  });
}

async function expectCode(what: string, code: grpc.status, run: () => Promise<unknown>): Promise<grpc.ServiceError> {
  try {
    await run();
  } catch (err) {
    const e = err as grpc.ServiceError;
    check(
      e.code === code,
      `${what}: status ${grpc.status[e.code]} (${JSON.stringify(e.details)}), want ${grpc.status[code]}`,
    );
    return e;
  }
  throw new Failure(`${what}: succeeded, want ${grpc.status[code]}`);
}

/** Every response of a server stream (or bidi stream) and its trailers. */
function collect(
  call: grpc.ClientReadableStream<Msg> | grpc.ClientDuplexStream<Msg, Msg>,
): Promise<{ responses: Msg[]; headers: grpc.Metadata; trailers: grpc.Metadata }> {
  return new Promise((resolve, reject) => {
    const responses: Msg[] = [];
    let headers = new grpc.Metadata();
    let failed = false;
    call.on('metadata', (md: grpc.Metadata) => (headers = md));
    call.on('data', (m: Msg) => responses.push(m));
    call.on('error', (err) => {
      failed = true;
      reject(err);
    });
    call.on('status', (status: grpc.StatusObject) => {
      if (!failed && status.code === grpc.status.OK)
        setImmediate(() => resolve({ responses, headers, trailers: status.metadata }));
    });
  });
}

/** The status a call ended with, whatever it was (for the cancel cases). */
function finalStatus(
  call: grpc.ClientWritableStream<Msg> | grpc.ClientDuplexStream<Msg, Msg>,
): Promise<grpc.StatusObject> {
  return new Promise((resolve) => {
    call.on('error', () => {});
    call.on('data', () => {});
    call.on('status', resolve);
  });
}

const cases: Record<string, CaseFn> = {
  async empty_unary() {
    const { response } = await unary(stub, 'EmptyCall', {});
    check(response !== undefined && response !== null, 'response is null');
  },

  async large_unary() {
    const { response } = await unary(stub, 'UnaryCall', largeRequest());
    checkBody(response['payload']?.body, 314159);
  },

  async client_compressed_unary() {
    await expectCode('uncompressed probe with expect_compressed=true', grpc.status.INVALID_ARGUMENT, () =>
      unary(stub, 'UnaryCall', largeRequest({ expect_compressed: { value: true } })),
    );
    const compressed = await unary(gzipStub, 'UnaryCall', largeRequest({ expect_compressed: { value: true } }));
    checkBody(compressed.response['payload']?.body, 314159, 'compressed call');
    const plain = await unary(stub, 'UnaryCall', largeRequest({ expect_compressed: { value: false } }));
    checkBody(plain.response['payload']?.body, 314159, 'uncompressed call');
  },

  async server_compressed_unary() {
    for (const value of [true, false]) {
      const { response } = await unary(stub, 'UnaryCall', largeRequest({ response_compressed: { value } }));
      checkBody(response['payload']?.body, 314159, `response_compressed=${value}`);
    }
    return FLAG_NOTE;
  },

  async client_streaming() {
    const sizes = [27182, 8, 1828, 45904];
    const response = await new Promise<Msg>((resolve, reject) => {
      const call = stub['StreamingInputCall']((err: grpc.ServiceError | null, res: Msg) =>
        err ? reject(err) : resolve(res),
      );
      for (const n of sizes) call.write({ payload: zeros(n) });
      call.end();
    });
    check(
      response['aggregated_payload_size'] === 74922,
      `aggregated_payload_size ${response['aggregated_payload_size']}, want 74922`,
    );
  },

  async client_compressed_streaming() {
    await expectCode(
      'uncompressed probe with expect_compressed=true',
      grpc.status.INVALID_ARGUMENT,
      () =>
        new Promise<Msg>((resolve, reject) => {
          const call = stub['StreamingInputCall']((err: grpc.ServiceError | null, res: Msg) =>
            err ? reject(err) : resolve(res),
          );
          call.write({ expect_compressed: { value: true }, payload: zeros(27182) });
          call.end();
        }),
    );
    const response = await new Promise<Msg>((resolve, reject) => {
      const call = gzipStub['StreamingInputCall']((err: grpc.ServiceError | null, res: Msg) =>
        err ? reject(err) : resolve(res),
      );
      call.write({ expect_compressed: { value: true }, payload: zeros(27182) });
      call.write({ expect_compressed: { value: false }, payload: zeros(45904) }, WRITE_NO_COMPRESS);
      call.end();
    });
    check(
      response['aggregated_payload_size'] === 73086,
      `aggregated_payload_size ${response['aggregated_payload_size']}, want 73086`,
    );
  },

  async server_streaming() {
    const sizes = [31415, 9, 2653, 58979];
    const { responses } = await collect(stub['StreamingOutputCall'](outputRequest(sizes)));
    check(responses.length === 4, `${responses.length} responses, want 4`);
    responses.forEach((r, i) => checkBody(r['payload']?.body, sizes[i]!, `response ${i}`));
  },

  async server_compressed_streaming() {
    const request = {
      response_parameters: [
        { size: 31415, compressed: { value: true } },
        { size: 92653, compressed: { value: false } },
      ],
    };
    const { responses } = await collect(stub['StreamingOutputCall'](request));
    check(responses.length === 2, `${responses.length} responses, want 2`);
    checkBody(responses[0]!['payload']?.body, 31415, 'response 0');
    checkBody(responses[1]!['payload']?.body, 92653, 'response 1');
    return FLAG_NOTE;
  },

  async ping_pong() {
    const call = stub['FullDuplexCall']() as grpc.ClientDuplexStream<Msg, Msg>;
    const done = collect(call);
    const steps: [number, number][] = [
      [31415, 27182],
      [9, 8],
      [2653, 1828],
      [58979, 45904],
    ];
    for (const [out, inp] of steps) {
      const reply = new Promise<Msg>((resolve) => call.once('data', resolve));
      call.write(outputRequest([out], inp));
      checkBody((await reply)['payload']?.body, out);
    }
    call.end();
    const { responses } = await done;
    check(responses.length === 4, `${responses.length} responses, want 4`);
  },

  async empty_stream() {
    const call = stub['FullDuplexCall']();
    const done = collect(call);
    call.end();
    const { responses } = await done;
    check(responses.length === 0, `${responses.length} responses, want none`);
  },

  async cancel_after_begin() {
    const call = stub['StreamingInputCall'](() => {});
    const status = finalStatus(call);
    call.cancel();
    const s = await status;
    check(s.code === grpc.status.CANCELLED, `status ${grpc.status[s.code]}, want CANCELLED`);
  },

  async cancel_after_first_response() {
    const call = stub['FullDuplexCall']() as grpc.ClientDuplexStream<Msg, Msg>;
    const first = new Promise<Msg>((resolve) => call.once('data', resolve));
    const status = finalStatus(call);
    call.write(outputRequest([31415], 27182));
    checkBody((await first)['payload']?.body, 31415);
    call.cancel();
    const s = await status;
    check(s.code === grpc.status.CANCELLED, `status ${grpc.status[s.code]}, want CANCELLED`);
  },

  async timeout_on_sleeping_server() {
    const call = stub['FullDuplexCall']({ deadline: Date.now() + 1 });
    await expectCode('FullDuplexCall with a 1 ms timeout', grpc.status.DEADLINE_EXCEEDED, () => {
      const done = collect(call);
      call.write({ payload: zeros(27182) });
      return done;
    });
  },

  async custom_metadata() {
    const md = () => {
      const m = new grpc.Metadata();
      m.set(ECHO_INITIAL, 'test_initial_metadata_value');
      m.set(ECHO_TRAILING, Buffer.from([0xab, 0xab, 0xab]));
      return m;
    };
    const verify = (what: string, headers: grpc.Metadata, trailers: grpc.Metadata) => {
      check(
        headers.get(ECHO_INITIAL)[0] === 'test_initial_metadata_value',
        `${what}: headers lack the echoed ${ECHO_INITIAL}: ${JSON.stringify(headers.getMap())}`,
      );
      const bin = trailers.get(ECHO_TRAILING)[0];
      check(
        Buffer.isBuffer(bin) && bin.equals(Buffer.from([0xab, 0xab, 0xab])),
        `${what}: trailers lack the echoed ${ECHO_TRAILING}`,
      );
    };
    const u = await unary(stub, 'UnaryCall', largeRequest(), md());
    checkBody(u.response['payload']?.body, 314159);
    verify('UnaryCall', u.headers, u.trailers);
    const call = stub['FullDuplexCall'](md());
    const done = collect(call);
    call.write(outputRequest([314159], 271828));
    call.end();
    const d = await done;
    check(d.responses.length === 1, `FullDuplexCall: ${d.responses.length} responses, want 1`);
    checkBody(d.responses[0]!['payload']?.body, 314159);
    verify('FullDuplexCall', d.headers, d.trailers);
  },

  async status_code_and_message() {
    const status = { code: 2, message: 'test status message' };
    const u = await expectCode('UnaryCall', grpc.status.UNKNOWN, () =>
      unary(stub, 'UnaryCall', { response_status: status }),
    );
    check(u.details === status.message, `UnaryCall: message ${JSON.stringify(u.details)}`);
    const d = await expectCode('FullDuplexCall', grpc.status.UNKNOWN, () => {
      const call = stub['FullDuplexCall']();
      const done = collect(call);
      call.write({ response_status: status });
      call.end();
      return done;
    });
    check(d.details === status.message, `FullDuplexCall: message ${JSON.stringify(d.details)}`);
  },

  async special_status_message() {
    const e = await expectCode('UnaryCall', grpc.status.UNKNOWN, () =>
      unary(stub, 'UnaryCall', { response_status: { code: 2, message: SPECIAL_STATUS_MESSAGE } }),
    );
    check(
      e.details === SPECIAL_STATUS_MESSAGE,
      `message ${JSON.stringify(e.details)}, want ${JSON.stringify(SPECIAL_STATUS_MESSAGE)}`,
    );
  },

  async unimplemented_method() {
    await expectCode('UnimplementedCall', grpc.status.UNIMPLEMENTED, () => unary(stub, 'UnimplementedCall', {}));
  },

  async unimplemented_service() {
    await expectCode('UnimplementedService/UnimplementedCall', grpc.status.UNIMPLEMENTED, () =>
      unary(unimplementedStub, 'UnimplementedCall', {}),
    );
  },
};

const status = await runCases(flags.cases, cases);
for (const c of [stub, gzipStub, unimplementedStub]) c.close();
// Exit explicitly: after the cancel and deadline cases, grpc-js can keep a
// connection (and so the process) alive past close(); the reports are out.
process.exit(status);
