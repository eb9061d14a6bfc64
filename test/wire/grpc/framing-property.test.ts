// Properties of the framing layer, checked on random input with fast-check:
// the parsers of untrusted bytes and header values either answer or fail with
// a GrpcError, never anything else; the deframer does not care how a stream
// is cut; the encoders round-trip.
import fc from 'fast-check';
import t from 'tap';
import { decodeBase64, encodeBase64 } from '../../../src/wire/proto/base64.js';
import { Deframer, type Frame } from '../../../src/wire/grpc/deframer.js';
import { GrpcError } from '../../../src/wire/grpc/error.js';
import { encodeFrame } from '../../../src/wire/grpc/frame.js';
import { type HeaderRecord, Metadata } from '../../../src/wire/grpc/metadata.js';
import { decodeGrpcMessage, encodeGrpcMessage } from '../../../src/wire/grpc/percent.js';
import { statusFromTrailers } from '../../../src/wire/grpc/status.js';
import { encodeTimeout, parseTimeout } from '../../../src/wire/grpc/timeout.js';
import { metadataFromHeaders } from '../../../src/wire/grpc/received-metadata.js';

const RUNS = { numRuns: 300 };

/** Runs `fn`; anything it throws must be a GrpcError. */
function onlyGrpcErrors(fn: () => void): boolean {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof GrpcError)) throw e;
  }
  return true;
}

/** Splits `bytes` at the given offsets (any order, duplicates allowed). */
function cut(bytes: Uint8Array, offsets: number[]): Uint8Array[] {
  const points = [...new Set(offsets.map((o) => o % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const p of points) {
    chunks.push(bytes.subarray(from, p));
    from = p;
  }
  chunks.push(bytes.subarray(from));
  return chunks;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const simple = (frames: Frame[]) => frames.map((f) => ({ compressed: f.compressed, data: Array.from(f.data) }));

const message = fc.record({
  compressed: fc.boolean(),
  payload: fc.oneof(
    { weight: 4, arbitrary: fc.uint8Array({ maxLength: 40 }) },
    { weight: 1, arbitrary: fc.uint8Array({ minLength: 200, maxLength: 2000 }) },
  ),
});

t.test('any chunking of a framed stream deframes to the messages that were framed', async (t) => {
  fc.assert(
    fc.property(fc.array(message, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 30 }), (messages, offsets) => {
      const stream = concat(messages.map((m) => encodeFrame(m.payload, m.compressed)));
      const d = new Deframer();
      const frames = cut(stream, offsets).flatMap((chunk) => d.push(chunk));
      d.end();
      t.strictSame(
        simple(frames),
        messages.map((m) => ({ compressed: m.compressed, data: Array.from(m.payload) })),
      );
      return true;
    }),
    RUNS,
  );
});

t.test('the deframer, fed random bytes in random chunks, only ever throws GrpcError', async (t) => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 300 }),
      fc.array(fc.nat(), { maxLength: 20 }),
      fc.option(fc.nat({ max: 100 })),
      (bytes, offsets, max) => {
        const d = new Deframer(max === null ? {} : { maxMessageLength: max });
        return onlyGrpcErrors(() => {
          for (const chunk of cut(bytes, offsets)) d.push(chunk);
          d.end();
        });
      },
    ),
    RUNS,
  );
  t.pass('no other exception');
});

t.test('parseTimeout answers every string with a number or a GrpcError, never a throw', async (t) => {
  const anyText = fc.oneof(
    fc.string(),
    fc.string({ unit: 'binary' }),
    fc.stringMatching(/^[0-9+\-. ]{0,10}[HMSmunhsx]?$/),
  );
  fc.assert(
    fc.property(anyText, (value) => {
      const r = parseTimeout(value);
      return typeof r === 'number' ? /^[0-9]{1,8}[HMSmun]$/.test(value) && r >= 0 : r instanceof GrpcError;
    }),
    { numRuns: 1000 },
  );
  t.pass('no throw; numbers only for the grammar');
});

t.test('every string of the timeout grammar parses to value × unit', async (t) => {
  const unitMs: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 1e-3, n: 1e-6 };
  fc.assert(
    fc.property(fc.stringMatching(/^[0-9]{1,8}[HMSmun]$/), (value) => {
      return parseTimeout(value) === Number(value.slice(0, -1)) * unitMs[value.at(-1)!]!;
    }),
    { numRuns: 1000 },
  );
  t.pass('grammar accepted');
});

t.test('encodeTimeout always writes the grammar, and never a shorter timeout (to the nanosecond)', async (t) => {
  fc.assert(
    fc.property(fc.double({ min: 0, max: 3e14, noNaN: true }), (ms) => {
      const text = encodeTimeout(ms);
      if (!/^[0-9]{1,8}[HMSmun]$/.test(text)) return false;
      const back = parseTimeout(text) as number;
      // Rounded to whole nanoseconds: never shorter by more than half a nanosecond.
      return back >= ms - 0.5e-6 * (1 + 1e-9);
    }),
    { numRuns: 1000 },
  );
  t.pass('grammar and lower bound hold');
});

/** Strings rich in '%' and hex digits, so the decoder's edge cases come up often. */
const percentish = fc
  .array(
    fc.oneof(
      fc.constantFrom('%', '%%', '%4', '%41', '%C3', '%A9', '%e2', '%82', '%ac', '%FF', '%zz', 'A', 'f', '0'),
      fc.string({ unit: 'binary', maxLength: 3 }),
    ),
    {
      maxLength: 20,
    },
  )
  .map((parts) => parts.join(''));

t.test('decodeGrpcMessage never throws and returns a string', async (t) => {
  fc.assert(
    fc.property(
      fc.oneof(
        percentish,
        fc.string(),
        fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) }),
      ),
      (value) => {
        return typeof decodeGrpcMessage(value) === 'string';
      },
    ),
    { numRuns: 1000 },
  );
  t.pass('no throw');
});

/** What UTF-8 can carry: each lone surrogate becomes U+FFFD. */
function wellFormed(s: string): string {
  return s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

t.test('percent-encoding round-trips every string; lone surrogates come back as U+FFFD', async (t) => {
  const codeUnits = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) });
  fc.assert(
    fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.string(), percentish, codeUnits), (text) => {
      const encoded = encodeGrpcMessage(text);
      return (
        /^(?:[\x20-\x24\x26-\x7e]|%[0-9A-F]{2})*$/.test(encoded) && decodeGrpcMessage(encoded) === wellFormed(text)
      );
    }),
    { numRuns: 1000 },
  );
  t.pass('round trip');
});

const headerValue = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.integer(),
  fc.constant(undefined),
  percentish,
);
const headerName = fc.oneof(
  fc.constantFrom(
    'grpc-status',
    'grpc-message',
    'grpc-status-details-bin',
    ':status',
    'x-bin',
    'x',
    '__proto__',
    'constructor',
    'toString',
    'content-type',
  ),
  fc.string({ maxLength: 6 }),
  fc.stringMatching(/^[a-z_.-]{1,6}(-bin)?$/),
);
const headerRecord = fc.dictionary(headerName, headerValue, { maxKeys: 6 }) as fc.Arbitrary<HeaderRecord>;

t.test('statusFromTrailers never throws: OK or a GrpcError', async (t) => {
  fc.assert(
    fc.property(headerRecord, (trailers) => {
      const r = statusFromTrailers(trailers);
      return r === undefined || r instanceof GrpcError;
    }),
    { numRuns: 1000 },
  );
  t.pass('no throw');
});

t.test('Metadata.fromHeaders either reads the headers or throws a GrpcError', async (t) => {
  fc.assert(
    fc.property(headerRecord, (headers) => onlyGrpcErrors(() => metadataFromHeaders(headers))),
    { numRuns: 1000 },
  );
  t.pass('only GrpcError');
});

t.test('metadata survives a trip through headers', async (t) => {
  const key = fc.stringMatching(/^[0-9a-z_.-]{1,8}$/);
  const entry = fc.oneof(
    // A key ending in -bin is binary whatever generated it: text values need the other keys.
    fc.tuple(
      key.filter((k) => !k.endsWith('-bin')),
      fc.stringMatching(/^[\x20-\x7e]{0,12}$/),
    ),
    fc.tuple(
      key.map((k) => `${k}-bin`),
      fc.uint8Array({ maxLength: 12 }),
    ),
  );
  fc.assert(
    fc.property(fc.array(entry, { maxLength: 8 }), (entries) => {
      const md = new Metadata(entries as [string, string | Uint8Array][]);
      const back = metadataFromHeaders(md.toHeaders());
      // Values keep their order within a key. Keys may not: a header record is
      // a JS object, which lists integer-like names ("1", "42") first.
      t.strictSame([...back.keys()].sort(), [...md.keys()].sort());
      for (const k of md.keys()) t.strictSame(back.getAll(k), md.getAll(k));
      return true;
    }),
    RUNS,
  );
});

t.test('base64: decode(encode(x)) is x, padded or not, and agrees with Node', async (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), fc.boolean(), fc.boolean(), (bytes, pad, url) => {
      const text = encodeBase64(bytes, { pad, url });
      let expected = Buffer.from(bytes).toString('base64');
      if (url) expected = expected.replace(/\+/g, '-').replace(/\//g, '_');
      if (!pad) expected = expected.replace(/=+$/, '');
      return text === expected && Buffer.from(decodeBase64(text)!).equals(Buffer.from(bytes));
    }),
    { numRuns: 500 },
  );
  t.pass('round trip');
});

t.test('decodeBase64 never throws', async (t) => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[A-Za-z0-9+/=_-]{0,12}$/)), (text) => {
      const r = decodeBase64(text);
      return r === undefined || r instanceof Uint8Array;
    }),
    { numRuns: 1000 },
  );
  t.pass('no throw');
});
