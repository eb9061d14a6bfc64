/**
 * The own HTTP/2 client is a part a program opts into (src/http2/client-transport.ts): `wiregrpc` and
 * `wiregrpc/sockets` register it on import, `wiregrpc/core` does not (its client bundles leave src/h2 out), and
 * `registerWiregrpcTransport()` from `wiregrpc/http2` opts a core program in. Asking for transport 'wiregrpc'
 * without it is a TypeError at channel creation that says what to import, never node:http2 in its place. Each
 * program runs in a fresh process (the registration is process-wide) on src/, through tap's TypeScript loader.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import t from 'tap';
import '../helpers/own-h2-client.js';
import { Channel, type ChannelCall } from '../../src/http2/channel.js';
import { sessionOf } from './session-of.js';
import { H2ClientSession } from '../../src/http2/h2-client-connection.js';
import type { ClientSession } from '../../src/http2/h2-client-session.js';
import { fakeServer, respond } from '../helpers/client-fake-server.js';

const SRC = path.resolve(import.meta.dirname, '../../src');
const LOADER = process.execArgv.filter((arg) => arg.includes('@tapjs/typescript'));

/** Runs an ES module program on src/ in a fresh process (env: ours, with WIREGRPC_TRANSPORT as given); its stdout as JSON. */
function run(source: string, env: { WIREGRPC_TRANSPORT?: string } = {}): Promise<unknown> {
  const childEnv = { ...process.env, ...env };
  if (env.WIREGRPC_TRANSPORT === undefined) delete childEnv.WIREGRPC_TRANSPORT;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...LOADER, '--input-type=module', '-e', source], {
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 30_000,
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(JSON.parse(out));
      else reject(new Error(`the program exited with ${code}: ${err}`));
    });
  });
}

/**
 * The program's prelude: `attempt(options)` creates a channel, makes one call on it and says what happened — the
 * TypeError's message, or the call's status and whose HTTP/2 the server saw (whoseHttp2's trailer).
 */
const attempt = (entry: string, port: number) => `
  import { Channel } from ${JSON.stringify(`${SRC}/${entry}`)};
  import { ClientStream } from ${JSON.stringify(`${SRC}/http2/client-stream.js`)};
  const target = '127.0.0.1:${port}';
  async function attempt(options) {
    let channel;
    try {
      channel = new Channel(target, options);
    } catch (error) {
      return { error: error.name + ': ' + error.message };
    }
    const result = await new Promise((resolve) => {
      const onStatus = (error, trailers) => resolve({ status: error?.code ?? 0, h2: trailers.get('x-h2') });
      const stream = new ClientStream(channel, '/p.S/M', { onHeaders() {}, onMessage() {}, onStatus }, {});
      stream.start();
      stream.end();
    });
    await channel.close();
    return result;
  }
`;

/** A server that answers OK and says whose HTTP/2 the client spoke: ours advertises ENABLE_PUSH 0, node's 1. */
function whoseHttp2() {
  return fakeServer((stream) => {
    const ours = stream.session!.remoteSettings.enablePush === false;
    respond(stream, [], { 'grpc-status': '0', 'x-h2': ours ? 'wiregrpc' : 'node:http2' });
  });
}

const OPT_IN =
  "import from 'wiregrpc' or 'wiregrpc/sockets' rather than 'wiregrpc/core', or call registerWiregrpcTransport() from 'wiregrpc/http2' once before creating the channel";

t.test(
  "a wiregrpc/core program: transport 'wiregrpc' is a TypeError naming what to import, until it opts in",
  async (t) => {
    const server = await whoseHttp2();
    t.teardown(() => server.close());
    const out = await run(`${attempt('service/core.js', server.port)}
    const results = {
      transport: await attempt({ transport: 'wiregrpc' }),
      connect: await attempt({ connect: () => { throw new Error('not called'); } }),
      node: await attempt({ transport: 'node:http2' }),
    };
    const { registerWiregrpcTransport } = await import(${JSON.stringify(`${SRC}/http2/index.js`)});
    registerWiregrpcTransport();
    results.registered = await attempt({ transport: 'wiregrpc' });
    registerWiregrpcTransport();
    results.again = await attempt({ transport: 'wiregrpc' });
    console.log(JSON.stringify(results));
  `);
    t.same(out, {
      transport: {
        error: `TypeError: channel option transport 'wiregrpc' needs wiregrpc's own HTTP/2 client, which this program does not include: ${OPT_IN}`,
      },
      connect: {
        error: `TypeError: channel option connect needs wiregrpc's own HTTP/2 client, which this program does not include: ${OPT_IN}`,
      },
      node: { status: 0, h2: 'node:http2' },
      registered: { status: 0, h2: 'wiregrpc' },
      again: { status: 0, h2: 'wiregrpc' },
    });
  },
);

t.test('WIREGRPC_TRANSPORT=wiregrpc in a wiregrpc/core program that did not opt in: the same TypeError', async (t) => {
  const out = await run(
    `${attempt('service/core.js', 1)}
    console.log(JSON.stringify([await attempt({}), await attempt({ transport: 'node:http2' })]));
  `,
    { WIREGRPC_TRANSPORT: 'wiregrpc' },
  );
  t.same(out, [
    {
      error: `TypeError: WIREGRPC_TRANSPORT=wiregrpc needs wiregrpc's own HTTP/2 client, which this program does not include: ${OPT_IN}`,
    },
    { status: 14 }, // the option wins: node:http2, to a port nobody listens on (UNAVAILABLE, no trailers)
  ]);
});

t.test(
  "wiregrpc and wiregrpc/sockets include the own HTTP/2 client: transport 'wiregrpc' works on import",
  async (t) => {
    const server = await whoseHttp2();
    t.teardown(() => server.close());
    for (const entry of ['service/index.js', 'service/sockets.js']) {
      t.same(
        await run(`${attempt(entry, server.port)}
      console.log(JSON.stringify(await attempt({ transport: 'wiregrpc' })));
    `),
        { status: 0, h2: 'wiregrpc' },
        entry,
      );
    }
  },
);

t.test(
  'the suites run on the HTTP/2 that WIREGRPC_TRANSPORT names (test:h2-client runs this file with it)',
  async (t) => {
    const server = await fakeServer((stream) => respond(stream, [], { 'grpc-status': '0' }));
    t.teardown(() => server.close());
    const channel = new Channel(server.target);
    t.teardown(() => channel.close());
    const own = (await sessionOf(channel)) instanceof H2ClientSession;
    t.equal(own, process.env.WIREGRPC_TRANSPORT === 'wiregrpc', own ? "wiregrpc's own HTTP/2" : 'node:http2');
  },
);
