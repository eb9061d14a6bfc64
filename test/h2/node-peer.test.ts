// src/h2's frames and HPACK against a real HTTP/2 peer: node:http2 (nghttp2).
// Over a raw TCP socket to a node:http2 server on 127.0.0.1, a client made only of
// our frame writer and HPACK encoder sends random header lists; the server echoes
// each request's regular headers back as response headers and again as trailers;
// our frame reader and HPACK decoder read the answers. Both directions of HPACK
// are checked: nghttp2 decodes what we encode, we decode what it encodes —
// with and without Huffman, across dynamic table size updates both ways.
import t, { type Test } from 'tap';
import http2 from 'node:http2';
import net from 'node:net';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { ErrorCode, H2Error } from '../../src/h2/errors.js';
import { CLIENT_PREFACE, FrameType, type Frame } from '../../src/h2/frame.js';
import { FrameReader } from '../../src/h2/frame-reader.js';
import { encodeFieldBlock, encodeGoaway, encodeSettings, encodeSettingsAck } from '../../src/h2/frame-write.js';
import { HpackDecoder } from '../../src/h2/hpack-decoder.js';
import { HpackEncoder } from '../../src/h2/hpack-encoder.js';
import { SettingId } from '../../src/h2/settings.js';
import { randomLists } from './random-headers.js';

interface Answer {
  headers: string[];
  trailers: string[];
}

/** A client of our own making: frames and HPACK from src/h2, nothing of node:http2. */
class RawClient {
  readonly encoder: HpackEncoder;
  readonly decoder: HpackDecoder;
  private readonly reader: FrameReader;
  private nextStream = 1;
  private readonly answers = new Map<number, { blocks: string[][]; done: (a: Answer) => void }>();
  private block: Uint8Array[] = [];
  private blockStream = 0;
  private pendingTableSize: number | undefined;
  failure: Error | undefined;

  constructor(
    private readonly socket: net.Socket,
    options: { huffman: 'auto' | 'always' | 'never'; ourTableSize: number },
  ) {
    this.encoder = new HpackEncoder({ huffman: options.huffman });
    this.decoder = new HpackDecoder({ maxTableSize: 4096, maxHeaderListSize: 1 << 20 });
    this.reader = new FrameReader({
      preface: false,
      onFrame: (f) => this.frame(f),
      onStreamError: (e) => this.fail(e),
    });
    socket.on('data', (chunk: Buffer) => {
      try {
        this.reader.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      } catch (err) {
        this.fail(err as Error);
      }
    });
    this.pendingTableSize = options.ourTableSize;
    socket.write(CLIENT_PREFACE);
    socket.write(
      encodeSettings([
        { id: SettingId.HEADER_TABLE_SIZE, value: options.ourTableSize },
        { id: SettingId.ENABLE_PUSH, value: 0 },
        { id: SettingId.MAX_HEADER_LIST_SIZE, value: 1 << 20 },
      ]),
    );
  }

  /** Sends one request (HEADERS with END_STREAM); resolves with the response headers and trailers. */
  request(headers: string[]): Promise<Answer> {
    const streamId = this.nextStream;
    this.nextStream += 2;
    const list = [':method', 'POST', ':scheme', 'http', ':path', '/echo', ':authority', 'localhost', ...headers];
    const block = this.encoder.encode(list);
    return new Promise<Answer>((resolve) => {
      this.answers.set(streamId, { blocks: [], done: resolve });
      this.socket.write(encodeFieldBlock(streamId, block, { endStream: true }));
    });
  }

  close(): void {
    this.socket.end(encodeGoaway(this.nextStream - 2, ErrorCode.NO_ERROR));
  }

  private frame(f: Frame): void {
    switch (f.type) {
      case FrameType.SETTINGS:
        if (!f.ack) {
          for (const s of f.settings)
            if (s.id === SettingId.HEADER_TABLE_SIZE) this.encoder.setPeerMaxTableSize(s.value);
          this.socket.write(encodeSettingsAck());
        } else if (this.pendingTableSize !== undefined) {
          // Our SETTINGS_HEADER_TABLE_SIZE is in force from the peer's ACK on.
          this.decoder.setMaxTableSize(this.pendingTableSize);
          this.pendingTableSize = undefined;
        }
        return;
      case FrameType.HEADERS:
      case FrameType.CONTINUATION: {
        this.block.push(f.fragment);
        if (f.type === FrameType.HEADERS) this.blockStream = f.streamId;
        if (!f.endHeaders) return;
        const whole = Uint8Array.from(this.block.flatMap((b) => [...b]));
        this.block = [];
        const headers = this.decoder.decode(whole, this.blockStream);
        const answer = this.answers.get(this.blockStream);
        if (answer === undefined) return this.fail(new Error(`headers on unknown stream ${this.blockStream}`));
        answer.blocks.push(headers);
        if (answer.blocks.length === 2) {
          this.answers.delete(this.blockStream);
          answer.done({ headers: answer.blocks[0]!, trailers: answer.blocks[1]! });
        }
        return;
      }
      case FrameType.RST_STREAM:
        return this.fail(new Error(`stream ${f.streamId} reset by node:http2 with code ${f.errorCode}`));
      case FrameType.GOAWAY:
        if (f.errorCode !== ErrorCode.NO_ERROR)
          this.fail(new Error(`GOAWAY ${f.errorCode}: ${Buffer.from(f.debugData).toString()}`));
        return;
      case FrameType.DATA:
      case FrameType.PRIORITY:
      case FrameType.PUSH_PROMISE:
      case FrameType.PING:
      case FrameType.WINDOW_UPDATE:
        return;
    }
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.socket.destroy();
    for (const a of this.answers.values()) a.done({ headers: [], trailers: [] });
    this.answers.clear();
  }
}

/** Only our x- fields: node adds :status and date. */
const ours = (list: string[]) => {
  const out: string[] = [];
  for (let i = 0; i < list.length; i += 2) if (list[i]!.startsWith('x-')) out.push(list[i]!, list[i + 1]!);
  return out;
};

async function startEcho(t: Test): Promise<number> {
  const server = http2.createServer({ maxHeaderListPairs: 2000, settings: { maxHeaderListSize: 1 << 20 } });
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
    session.on('error', () => {}); // the corrupt-block test makes one fail on purpose
  });
  t.teardown(async () => {
    for (const session of sessions) session.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  server.on('stream', (stream, headers) => {
    const echoed: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers))
      if (name.startsWith('x-') && typeof value === 'string') echoed[name] = value;
    stream.respond({ ':status': 200, ...echoed }, { waitForTrailers: true, endStream: false });
    stream.on('wantTrailers', () => stream.sendTrailers(echoed));
    stream.end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

async function connect(port: number): Promise<net.Socket> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  return socket;
}

const variants: { name: string; huffman: 'auto' | 'always' | 'never'; ourTableSize: number; seed: number }[] = [
  { name: 'Huffman never, our table 4096', huffman: 'never', ourTableSize: 4096, seed: 1 },
  {
    name: 'Huffman always, our table 1024 (node must send a size update first)',
    huffman: 'always',
    ourTableSize: 1024,
    seed: 2,
  },
  { name: 'Huffman when shorter, our table 0 (node may not index at all)', huffman: 'auto', ourTableSize: 0, seed: 3 },
];

for (const v of variants) {
  t.test(`random header lists round-trip through node:http2: ${v.name}`, async (t) => {
    const port = await startEcho(t);
    const socket = await connect(port);
    t.teardown(() => socket.destroy());
    const client = new RawClient(socket, v);
    const lists = randomLists(v.seed, 120);
    let matched = 0;
    // In batches (below any concurrency limit); halfway, our encoder shrinks its table and grows it back,
    // so nghttp2's decoder follows two size updates in one block and evictions on both sides.
    for (let at = 0; at < lists.length && client.failure === undefined; at += 20) {
      if (at === 60) {
        client.encoder.setPeerMaxTableSize(64);
        client.encoder.setPeerMaxTableSize(4096);
      }
      const batch = lists.slice(at, at + 20);
      const answers = await Promise.all(batch.map((list) => client.request(list)));
      answers.forEach((a, i) => {
        const sent = batch[i]!;
        if (
          JSON.stringify(ours(a.headers)) === JSON.stringify(sent) &&
          JSON.stringify(a.trailers) === JSON.stringify(sent)
        )
          matched++;
        else if (client.failure === undefined)
          t.fail(`list ${at + i} came back changed`, { sent, headers: a.headers, trailers: a.trailers });
      });
    }
    t.equal(client.failure, undefined, 'no error on the connection');
    t.equal(matched, lists.length, `all ${lists.length} lists came back as headers and as trailers`);
    t.ok(client.decoder.table.maxSize <= v.ourTableSize, 'node kept its table within our SETTINGS_HEADER_TABLE_SIZE');
    client.close();
    await once(socket, 'close');
  });
}

t.test('node:http2 refuses a block we corrupt on purpose (the peer checks us too)', async (t) => {
  const port = await startEcho(t);
  const socket = await connect(port);
  t.teardown(() => socket.destroy());
  const got: Frame[] = [];
  let sawGoaway: () => void = () => {};
  const goawayOrClose = new Promise<void>((resolve) => {
    sawGoaway = resolve;
    socket.on('close', () => resolve());
  });
  const reader = new FrameReader({
    preface: false,
    onFrame: (f) => {
      got.push(f);
      if (f.type === FrameType.GOAWAY) sawGoaway();
    },
    onStreamError() {},
  });
  socket.on('data', (c: Buffer) => {
    try {
      reader.push(new Uint8Array(c));
    } catch (err) {
      if (!(err instanceof H2Error)) throw err;
    }
  });
  socket.write(CLIENT_PREFACE);
  socket.write(encodeSettings([]));
  // Index 70: past both of nghttp2's tables.
  socket.write(encodeFieldBlock(1, Uint8Array.of(0x82, 0x86, 0x84, 0xc6), { endStream: true }));
  await goawayOrClose;
  socket.destroy();
  const goaway = got.find((f) => f.type === FrameType.GOAWAY);
  t.equal(goaway?.type === FrameType.GOAWAY ? goaway.errorCode : undefined, ErrorCode.COMPRESSION_ERROR);
});
