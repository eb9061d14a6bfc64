/**
 * Codec benchmark: encode and decode ops/s of wiregrpc's codec against
 * protobufjs (its generated code: Root.lookupType(...).encode/.decode) and
 * @bufbuild/protobuf (reflection: create/toBinary/fromBinary over a registry
 * built from a FileDescriptorSet), on three messages:
 *   UserResponse  the small unary response of proto/userinfo.proto (~20 bytes)
 *   Order         a ~1 KB nested message (test/protos/codec-bench.proto)
 *   Catalog       a ~64 KB message of repeated submessages
 *
 * Contenders alternate within each round (A B C A B C …) so that machine
 * noise hits all of them alike; each figure is the median of the rounds, with
 * min–max, in operations per second of CPU time (see measure()). Standalone: `node dist/bench/codec.js [--quick] [--rounds N]`;
 * bench/run.ts calls runCodecBench().
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor/index.js';
import { createFileRegistry, fromBinary, toBinary, type DescMessage } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema, type DescriptorProto } from '@bufbuild/protobuf/wkt';
import { loadProtoSync } from '../src/service/load.js';
import { codecFor } from '../src/wire/proto/codec.js';

export interface CodecBenchOptions {
  quick?: boolean;
  /** Alternating rounds (at least 3). */
  rounds?: number;
  log?: (line: string) => void;
}

export interface CodecBenchRow {
  case: string;
  impl: 'wiregrpc' | 'protobufjs' | 'bufbuild';
  /** ops per CPU-second, one per round. */
  samples: number[];
  median: number;
  min: number;
  max: number;
  bytes: number;
}

function findRoot(start: string): string {
  let dir = start;
  for (let i = 0; i < 8; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'test', 'protos'))) return dir;
    dir = dirname(dir);
  }
  throw new Error(`codec bench: cannot find the repository root above ${start}`);
}

const ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));
const FILES = [join(ROOT, 'proto', 'userinfo.proto'), join(ROOT, 'test', 'protos', 'codec-bench.proto')];

// ---- the messages (plain data; each contender gets its own typed form) -------

const TAGS = ['new', 'sale', 'eco', 'gift', 'limited', 'bulk'];

function item(i: number): Record<string, unknown> {
  return {
    sku: 1_000_000 + i * 7919,
    name: `Item number ${i} – ${TAGS[i % TAGS.length]}`,
    price: 3.5 + (i % 97) * 1.25,
    quantity: 1 + (i % 13),
    tags: [TAGS[i % 6], TAGS[(i + 2) % 6]],
    inStock: i % 3 !== 0,
    status: i % 4,
  };
}

function address(i: number): Record<string, unknown> {
  return { street: `${100 + i} Long Example Street`, city: 'Springfield', postalCode: `0${4000 + i}`, country: 'NL' };
}

const PLAIN: Record<string, { type: string; value: Record<string, unknown> }> = {
  UserResponse: { type: 'proto.UserResponse', value: { id: 42, name: 'foo', age: 30, hobby: ['cycling', 'chess'] } },
  Order: {
    type: 'codecbench.Order',
    value: {
      id: 9_007_199_254,
      customer: { id: 77, name: 'Ada Lovelace', email: 'ada@example.com', address: address(1) },
      shipping: address(2),
      items: Array.from({ length: 9 }, (_, i) => item(i)),
      attributes: { channel: 'web', campaign: 'spring-2024', gift: 'no', priority: 'standard' },
      createdAt: 1_700_000_000_123,
      status: 2,
      codes: [1, 200, 30000, 7, 65],
      total: 1234.56,
      note: 'Leave the parcel with the neighbours if nobody is home.',
    },
  },
  Catalog: { type: 'codecbench.Catalog', value: { items: Array.from({ length: 1150 }, (_, i) => item(i)) } },
};

// ---- contenders -----------------------------------------------------------------

interface Contender {
  impl: CodecBenchRow['impl'];
  encode(): Uint8Array;
  decode(): unknown;
}

/** protobufjs emits relative type names in descriptors; registries want them fully qualified. */
function qualify(set: {
  file: { package: string; messageType: DescriptorProto[]; enumType: { name: string }[] }[];
}): void {
  const known = new Set<string>();
  const collect = (scope: string, msgs: DescriptorProto[], enums: { name: string }[]): void => {
    for (const e of enums) known.add(`${scope}.${e.name}`);
    for (const m of msgs) {
      known.add(`${scope}.${m.name}`);
      collect(`${scope}.${m.name}`, m.nestedType, m.enumType);
    }
  };
  const fix = (scope: string, msgs: DescriptorProto[]): void => {
    for (const m of msgs) {
      const here = `${scope}.${m.name}`;
      for (const f of m.field) {
        if (f.typeName === '' || f.typeName.startsWith('.')) continue;
        for (let s = here; ; s = s.slice(0, s.lastIndexOf('.'))) {
          if (known.has(`${s}.${f.typeName}`)) {
            f.typeName = `${s}.${f.typeName}`;
            break;
          }
          if (s === '') throw new Error(`cannot resolve ${f.typeName} in ${here}`);
        }
      }
      fix(here, m.nestedType);
    }
  };
  for (const f of set.file) collect(f.package ? `.${f.package}` : '', f.messageType, f.enumType);
  for (const f of set.file) fix(f.package ? `.${f.package}` : '', f.messageType);
}

function contenders(): Map<string, { bytes: number; list: Contender[] }> {
  const ours = loadProtoSync(FILES);
  const root = protobuf.loadSync(FILES);
  root.resolveAll();
  const set = fromBinary(
    FileDescriptorSetSchema,
    (descriptor as any).FileDescriptorSet.encode((root as any).toDescriptor('proto3')).finish(),
  );
  qualify(set);
  const registry = createFileRegistry(set);

  const out = new Map<string, { bytes: number; list: Contender[] }>();
  for (const [name, { type, value }] of Object.entries(PLAIN)) {
    // wiregrpc: our value convention (int64 as bigint): what decode gives.
    const codec = codecFor<Record<string, unknown>>(ours.message(type));
    const pbType = root.lookupType(type);
    const canonical = pbType.encode(pbType.fromObject(value)).finish();
    const wireValue = codec.decode(canonical);
    const bytes = codec.encode(wireValue);
    // protobufjs: its message instances (fromObject), int64 as Long or number.
    const pbValue = pbType.decode(bytes);
    // @bufbuild/protobuf: its message objects (int64 as bigint).
    const desc = registry.getMessage(type) as DescMessage;
    const bufValue = fromBinary(desc, bytes);
    const list: Contender[] = [
      { impl: 'wiregrpc', encode: () => codec.encode(wireValue), decode: () => codec.decode(bytes) },
      { impl: 'protobufjs', encode: () => pbType.encode(pbValue).finish(), decode: () => pbType.decode(bytes) },
      { impl: 'bufbuild', encode: () => toBinary(desc, bufValue), decode: () => fromBinary(desc, bytes) },
    ];
    for (const c of list) {
      const n = c.encode().length;
      if (n !== bytes.length) throw new Error(`${c.impl} encodes ${name} to ${n} bytes, wiregrpc to ${bytes.length}`);
    }
    out.set(name, { bytes: bytes.length, list });
  }
  return out;
}

// ---- measuring ------------------------------------------------------------------

let sink = 0;

/**
 * ops per second of CPU time of `fn`, run for about `ms` milliseconds (in
 * batches, so the clock is read rarely). CPU time rather than wall time: on a
 * shared machine, time spent descheduled is not the codec's, and it would
 * otherwise land on whichever contender happened to be running.
 */
function measure(fn: () => unknown, ms: number): number {
  let batch = 1;
  let ops = 0;
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < batch; i++) {
      const r = fn() as { length?: number } | undefined;
      sink ^= typeof r === 'object' && r !== null && typeof r.length === 'number' ? r.length : 1;
    }
    ops += batch;
    now = performance.now();
    if (now - start < ms / 20) batch *= 2;
  }
  const cpu = process.cpuUsage(cpu0);
  return (ops * 1e6) / Math.max(1, cpu.user + cpu.system);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export async function runCodecBench(options: CodecBenchOptions = {}): Promise<CodecBenchRow[]> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const rounds = Math.max(3, options.rounds ?? (options.quick === true ? 3 : 5));
  const ms = options.quick === true ? 150 : 500;
  const cases = contenders();
  const rows: CodecBenchRow[] = [];
  for (const [name, { bytes, list }] of cases) {
    for (const op of ['encode', 'decode'] as const) {
      const kase = `${name} ${op} (${bytes} B)`;
      for (const c of list) measure(c[op], ms / 2); // warm up: let each contender's code get optimised
      const samples = new Map<string, number[]>(list.map((c) => [c.impl, []]));
      for (let r = 0; r < rounds; r++) {
        for (const c of list) samples.get(c.impl)!.push(measure(c[op], ms));
        await new Promise((resolve) => setImmediate(resolve)); // let the event loop breathe between rounds
      }
      for (const c of list) {
        const s = samples.get(c.impl)!;
        rows.push({
          case: kase,
          impl: c.impl,
          samples: s,
          median: median(s),
          min: Math.min(...s),
          max: Math.max(...s),
          bytes,
        });
      }
      log(`[codec] ${kase}: ${list.map((c) => `${c.impl} ${fmt(median(samples.get(c.impl)!))}`).join(', ')}`);
    }
  }
  if (sink === 0.5) log('');
  return rows;
}

function fmt(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M/s` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k/s` : `${n.toFixed(0)}/s`;
}

/** A table: per case, each contender's median ops/s (min–max) and wiregrpc's ratio to it. */
export function formatCodecTable(rows: CodecBenchRow[]): string {
  const lines = ['case                              impl        median ops/s   (min–max)                ×wiregrpc'];
  const cases = [...new Set(rows.map((r) => r.case))];
  for (const kase of cases) {
    const ofCase = rows.filter((r) => r.case === kase);
    const ours = ofCase.find((r) => r.impl === 'wiregrpc')!;
    for (const r of ofCase) {
      const ratio = r.impl === 'wiregrpc' ? '' : `${(ours.median / r.median).toFixed(2)}×`;
      lines.push(
        `${kase.padEnd(34)}${r.impl.padEnd(12)}${fmt(r.median).padStart(12)}   (${fmt(r.min)}–${fmt(r.max)})`.padEnd(
          90,
        ) + ratio,
      );
    }
  }
  return lines.join('\n');
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const i = args.indexOf('--rounds');
  const rounds = i >= 0 ? Number(args[i + 1]) : undefined;
  const rows = await runCodecBench({ quick, ...(rounds !== undefined ? { rounds } : {}) });
  process.stdout.write(`${formatCodecTable(rows)}\n`);
}
