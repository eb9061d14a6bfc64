/**
 * Bad input to the fetch handler gets the node:http2 Server's answer — the same HTTP status, grpc-status and
 * message, the same CORS fields — checked side by side: each request goes to the fetch handler (a `new Request`)
 * and, over loopback, to a Server serving the same service (gRPC-Web over HTTP/1.1, Node's fetch). Where the two
 * must differ (plain gRPC, client-streaming methods) the fetch handler's own answer is the spec, below.
 */
import t from 'tap';
import { createFetchHandler } from '../../src/fetch/handler.js';
import { Server } from '../../src/service/server.js';
import { Code } from '../../src/wire/grpc/code.js';
import { encodeFrame, FLAG_TRAILERS } from '../../src/wire/grpc/frame.js';
import { Echo } from '../runtimes/browser/echo-service.js';
import { echoImplementation } from '../runtimes/browser/echo-server.js';
import { answer, echoFrame, URL_BASE, WEB, WEB_TEXT } from './helpers.js';

const LIMITS = { maxReceiveMessageLength: 1024, maxSendMessageLength: 512 };
const ORIGIN = 'https://app.example';

const grpc = createFetchHandler({ ...LIMITS, cors: { origins: [ORIGIN] } }).add(Echo, echoImplementation);
const server = new Server({ ...LIMITS, grpcWeb: { origins: [ORIGIN] } }).add(Echo, echoImplementation);
const { port } = await server.listen('127.0.0.1:0');
t.teardown(() => server.forceShutdown());

interface Case {
  readonly name: string;
  readonly method?: string;
  readonly path?: string;
  readonly headers?: Record<string, string>;
  readonly body?: Uint8Array;
}

const frameWithFlags = (flags: number, payload: Uint8Array): Uint8Array => {
  const frame = encodeFrame(payload);
  frame[0] = flags;
  return frame;
};
const join = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((offset, p) => (out.set(p, offset), offset + p.length), 0);
  return out;
};
const ascii = (s: string) => new TextEncoder().encode(s);

const CASES: Case[] = [
  { name: 'GET', method: 'GET' },
  { name: 'OPTIONS that is no preflight', method: 'OPTIONS' },
  {
    name: 'a preflight from an allowed origin',
    method: 'OPTIONS',
    headers: {
      origin: ORIGIN,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type,x-grpc-web,x-token',
    },
  },
  {
    name: 'a preflight from another origin',
    method: 'OPTIONS',
    headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
  },
  { name: 'content-type text/plain', headers: { 'content-type': 'text/plain' } },
  { name: 'no content-type', headers: { 'content-type': '' } },
  { name: 'gRPC-Web with JSON messages', headers: { 'content-type': 'application/grpc-web+json' } },
  { name: 'an unknown service', path: '/nope.Service/Method', body: echoFrame({}) },
  { name: 'an unknown method', path: '/wiregrpc.web.Echo/Nope', body: echoFrame({}) },
  { name: 'a path that is no method name', path: '/justone', body: echoFrame({}) },
  { name: 'an encoding we lack', headers: { 'grpc-encoding': 'br' }, body: echoFrame({}) },
  { name: 'a malformed grpc-timeout', headers: { 'grpc-timeout': 'soon' }, body: echoFrame({}) },
  { name: 'a message over the receive limit', body: echoFrame({ text: 'x'.repeat(2000) }) },
  { name: 'a body that stops inside a frame', body: echoFrame({ text: 'cut' }).subarray(0, 7) },
  { name: 'a trailers frame in a request', body: frameWithFlags(FLAG_TRAILERS, ascii('grpc-status: 0\r\n')) },
  { name: 'unknown flag bits', body: frameWithFlags(0x02, new Uint8Array()) },
  { name: 'the compressed flag without grpc-encoding', body: frameWithFlags(0x01, new Uint8Array([1])) },
  { name: 'two messages for a unary method', body: join(echoFrame({}), echoFrame({})) },
  { name: 'no message', body: new Uint8Array() },
  { name: 'a message that is not protobuf', body: encodeFrame(new Uint8Array([0xff, 0xff, 0xff])) },
  { name: 'bad base64 in grpc-web-text', headers: { 'content-type': WEB_TEXT }, body: ascii('AAAA!!!!') },
  { name: 'metadata that is not valid (-bin, not base64)', headers: { 'x-token-bin': '@@@' }, body: echoFrame({}) },
  { name: 'a response over the send limit', body: echoFrame({ blob: new Uint8Array(700), text: 'y'.repeat(100) }) },
  {
    name: 'a response over the send limit, streamed',
    path: '/wiregrpc.web.Echo/Stream',
    body: echoFrame({ count: 2, text: 'z'.repeat(600) }),
  },
  { name: 'a call from an allowed origin', headers: { origin: ORIGIN, 'x-token': 'tok' }, body: echoFrame({}) },
  { name: 'a call from another origin', headers: { origin: 'https://evil.example' }, body: echoFrame({}) },
];

/** What is compared: the fields of an answer that say what it is. */
async function summary(response: Response): Promise<Record<string, unknown>> {
  const h = response.headers;
  const pick = (...names: string[]) => Object.fromEntries(names.map((n) => [n, h.get(n)]));
  const grpcWeb = (h.get('content-type') ?? '').startsWith('application/grpc-web');
  const a = grpcWeb ? await answer(response) : undefined;
  if (!grpcWeb) await response.body?.cancel();
  return {
    status: response.status,
    ...pick(
      'content-type',
      'allow',
      'access-control-allow-origin',
      'access-control-allow-methods',
      'access-control-allow-headers',
      'access-control-expose-headers',
      'access-control-max-age',
      'vary',
    ),
    code: a?.code,
    message: a?.message,
    statusIn: a === undefined ? undefined : a.trailers === undefined ? 'headers' : 'body',
    messages: a?.messages.length,
  };
}

function headersOf(c: Case): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': WEB, 'x-grpc-web': '1', ...c.headers };
  if (headers['content-type'] === '') delete headers['content-type'];
  return headers;
}

t.test('the same answers as the node:http2 Server', async (t) => {
  for (const c of CASES) {
    const method = c.method ?? 'POST';
    const path = c.path ?? '/wiregrpc.web.Echo/Unary';
    const body = method === 'POST' ? (c.body ?? new Uint8Array()) : undefined;
    const ours = await summary(
      await grpc.fetch(new Request(`${URL_BASE}${path}`, { method, headers: headersOf(c), body })),
    );
    const theirs = await summary(
      await fetch(`http://127.0.0.1:${port}${path}`, { method, headers: headersOf(c), body }),
    );
    t.same(ours, theirs, `${c.name}: ${ours.status} ${ours.code ?? ''} ${ours.message ?? ''}`.trim());
  }
});

t.test('the answers themselves (what the side-by-side agrees on)', async (t) => {
  const status = async (c: Case) => {
    const method = c.method ?? 'POST';
    return summary(
      await grpc.fetch(
        new Request(`${URL_BASE}${c.path ?? '/wiregrpc.web.Echo/Unary'}`, {
          method,
          headers: headersOf(c),
          body: method === 'POST' ? (c.body ?? new Uint8Array()) : undefined,
        }),
      ),
    );
  };
  const byName = new Map(CASES.map((c) => [c.name, c]));
  const of = (name: string) => status(byName.get(name)!);
  t.match(await of('GET'), { status: 405, allow: 'POST' });
  t.match(await of('content-type text/plain'), { status: 415 });
  t.match(await of('an unknown service'), {
    code: Code.UNIMPLEMENTED,
    message: 'unknown service nope.Service (/nope.Service/Method)',
  });
  t.match(await of('an unknown method'), {
    code: Code.UNIMPLEMENTED,
    message: 'unknown method Nope for service wiregrpc.web.Echo (/wiregrpc.web.Echo/Nope)',
  });
  t.match(await of('a message over the receive limit'), { code: Code.RESOURCE_EXHAUSTED });
  t.match(await of('a body that stops inside a frame'), { code: Code.INTERNAL, message: /inside a message frame/ });
  t.match(await of('two messages for a unary method'), { code: Code.UNIMPLEMENTED, message: /the client sent more/ });
  t.match(await of('a response over the send limit'), { code: Code.RESOURCE_EXHAUSTED, message: /send limit/ });
  t.match(await of('a call from an allowed origin'), {
    'access-control-allow-origin': ORIGIN,
    'access-control-expose-headers': /grpc-status, grpc-message, grpc-status-details-bin.*x-echo-header/,
  });
  t.match(await of('a call from another origin'), { 'access-control-allow-origin': null, code: 0 });
});

t.test('plain gRPC (application/grpc): 415 saying why — a fetch Response has no HTTP trailers', async (t) => {
  const response = await grpc.fetch(
    new Request(`${URL_BASE}/wiregrpc.web.Echo/Unary`, {
      method: 'POST',
      headers: { 'content-type': 'application/grpc' },
      body: echoFrame({}),
    }),
  );
  t.equal(response.status, 415);
  t.match(await response.text(), /gRPC-Web only/);
});

t.test('client-streaming methods: UNIMPLEMENTED, saying why (the Server serves them over HTTP/2)', async (t) => {
  const grpc = createFetchHandler().add(Echo, {
    async collect() {
      return {};
    },
  });
  const a = await answer(
    await grpc.fetch(
      new Request(`${URL_BASE}/wiregrpc.web.Echo/Collect`, {
        method: 'POST',
        headers: { 'content-type': WEB },
        body: echoFrame({}),
      }),
    ),
  );
  t.equal(a.code, Code.UNIMPLEMENTED);
  t.match(a.message, /client-streaming method: gRPC-Web over fetch carries one request message/);
});

t.test('a frame over the limit is refused from its prefix: the rest of the body is never read', async (t) => {
  let pulls = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulls++;
      if (pulls === 1)
        controller.enqueue(new Uint8Array([0, 0x40, 0, 0, 0])); // announces 1 GiB
      else if (pulls < 10_000) controller.enqueue(new Uint8Array(1024));
      else controller.close();
    },
  });
  const request = new Request(`${URL_BASE}/wiregrpc.web.Echo/Unary`, {
    method: 'POST',
    headers: { 'content-type': WEB },
    body,
    duplex: 'half',
  } as RequestInit);
  const a = await answer(await grpc.fetch(request));
  t.equal(a.code, Code.RESOURCE_EXHAUSTED);
  t.match(a.message, /larger than max \(1073741824 vs\. 1024\)/);
  t.ok(pulls < 5, `the body was pulled ${pulls} times, then cancelled`);
});
