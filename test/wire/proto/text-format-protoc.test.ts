/**
 * Text format against protoc itself, on the repo's protos and every golden
 * fixture (test/fixtures/golden: bytes written by Python protobuf):
 * - toText(decode(bytes)) is what `protoc --decode=TYPE` prints for the bytes, exactly;
 * - fromText(that text) is the same value;
 * - `protoc --encode=TYPE` reads toText's output back to the same value;
 * - unknown fields print as `protoc --decode_raw` prints them.
 * Skipped, saying why, when protoc is not installed; under CI=true that is a failure.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { loadProtoSync } from '../../../src/service/load.js';
import { codecFor } from '../../../src/wire/proto/codec.js';
import { fromText, toText } from '../../../src/wire/proto/text-format.js';
import { UNKNOWN_FIELDS } from '../../../src/wire/proto/text-format-unknown.js';
import { canon, fromHex, loadCases, ROOT } from '../../golden/values.js';

const INCLUDES = [path.join(ROOT, 'test/protos'), path.join(ROOT, 'proto')];
const FILES = ['userinfo.proto', 'golden.proto', 'wkt.proto', 'json/json-text.proto'];

function protoc(args: string[], input: Uint8Array | string): { ok: boolean; out: Buffer; err: string } {
  const r = spawnSync('protoc', [...INCLUDES.map((d) => `-I${d}`), ...args], { input, timeout: 30_000 });
  return { ok: r.status === 0, out: r.stdout ?? Buffer.alloc(0), err: r.stderr?.toString() ?? String(r.error) };
}

const probe = spawnSync('protoc', ['--version'], { encoding: 'utf8' });
if (probe.status !== 0) {
  if (process.env['CI'] === 'true')
    t.fail('protoc is not installed (apt-get install protobuf-compiler): required under CI');
  else t.plan(0, 'protoc is not installed (apt-get install protobuf-compiler): nothing to compare with');
} else {
  const protos = loadProtoSync(FILES, { includeDirs: INCLUDES });

  for (const file of ['userinfo.json', 'golden.json', 'wkt.json']) {
    t.test(`${file}: toText is protoc --decode; each reads the other's output`, async (t) => {
      for (const c of loadCases(file)) {
        if (c.hex === undefined) continue;
        const schema = protos.message(c.type);
        const codec = codecFor(schema);
        const bytes = fromHex(c.hex);
        const value = codec.decode(bytes);
        const theirs = protoc([`--decode=${c.type}`, ...FILES], bytes);
        t.ok(theirs.ok, `${c.name}: protoc --decode ran ${theirs.err}`);
        const ours = toText(schema, value);
        t.equal(ours, theirs.out.toString('utf8'), `${c.name}: toText prints what protoc prints`);
        t.strictSame(
          canon(fromText(schema, theirs.out.toString('utf8'))),
          canon(value),
          `${c.name}: fromText reads it`,
        );
        const encoded = protoc([`--encode=${c.type}`, ...FILES], ours);
        t.ok(encoded.ok, `${c.name}: protoc --encode ran ${encoded.err}`);
        t.strictSame(
          canon(codec.decode(encoded.out)),
          canon(value),
          `${c.name}: protoc --encode reads toText's output`,
        );
      }
    });
  }

  t.test('unknown fields print as protoc --decode_raw prints them', async (t) => {
    const Empty = protos.message('google.protobuf.Empty');
    const raw = [
      '08 96 01', // 1: 150 (varint)
      '10 ff ff ff ff ff ff ff ff ff 01', // 2: 18446744073709551615
      '1d 01 02 03 04', // 3: fixed32
      '21 01 02 03 04 05 06 07 08', // 4: fixed64
      '2a 03 61 62 63', // 5: "abc" (does not parse as fields)
      '32 04 08 01 10 02', // 6: { 1: 1 2: 2 } (parses as fields)
      '3a 00', // 7: "" (empty)
      '43 08 05 52 02 68 69 44', // 8: a group { 1: 5 10: "hi" }
      '4a 05 0a 03 0a 01 78', // 9: three levels of nesting
      'f8 ff ff ff 0f 07', // 536870911: 7 (the largest field number)
    ];
    for (const hex of raw) {
      const bytes = fromHex(hex.replace(/ /g, ''));
      const value: Record<string | symbol, unknown> = { [UNKNOWN_FIELDS]: [bytes] };
      const theirs = protoc(['--decode_raw'], bytes);
      t.ok(theirs.ok, `protoc --decode_raw ${hex} ${theirs.err}`);
      t.equal(toText(Empty, value), theirs.out.toString('utf8'), `${hex}: as protoc prints it`);
    }
    const all = fromHex(raw.join('').replace(/ /g, ''));
    const theirs = protoc(['--decode_raw'], all);
    t.equal(toText(Empty, { [UNKNOWN_FIELDS]: raw.map((h) => fromHex(h.replace(/ /g, ''))) }), theirs.out.toString());
    t.equal(toText(Empty, { [UNKNOWN_FIELDS]: [all] }, { printUnknownFields: false }), '', 'left out on request');
  });
}
