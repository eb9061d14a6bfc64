/**
 * Helpers for the golden tests: turn the fixtures' typed value description
 * (see gen_fixtures.py) into wiregrpc's value convention (src/wire/proto/schema.ts),
 * and turn values into a canonical plain form that t.strictSame can compare
 * (bigint, bytes, NaN, -0 and null-prototype maps made visible).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as path from 'node:path';
import type { FieldSchema, MapValue, MessageSchema, ScalarType } from '../../src/wire/proto/schema.js';
import { canon, fromHex, toHex } from './canon.js';

export { canon, fromHex, toHex };

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const FIXTURES = path.join(ROOT, 'test/fixtures/golden');

export interface GoldenCase {
  name: string;
  type: string;
  value?: Record<string, unknown>;
  hex?: string;
  json?: unknown;
  jsonDefaults?: unknown;
  input?: string;
  error?: boolean;
}

export function loadCases(file: string): GoldenCase[] {
  return (JSON.parse(readFileSync(path.join(FIXTURES, file), 'utf8')) as { cases: GoldenCase[] }).cases;
}

const INT64 = new Set<ScalarType>(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

function scalarDefault(s: ScalarType): unknown {
  if (INT64.has(s)) return 0n;
  if (s === 'bool') return false;
  if (s === 'string') return '';
  if (s === 'bytes') return new Uint8Array(0);
  return 0;
}

function typedScalar(s: ScalarType, x: unknown): unknown {
  if (INT64.has(s)) return BigInt(x as string);
  if (s === 'bytes') return fromHex(x as string);
  if ((s === 'double' || s === 'float') && typeof x === 'string') return Number(x); // NaN, ±Infinity
  return x;
}

function typedValue(kind: MapValue | FieldSchema, x: unknown): unknown {
  if (kind.kind === 'message') return fromTyped(kind.message, x as Record<string, unknown>);
  if (kind.kind === 'enum') return x;
  if (kind.kind === 'scalar') return typedScalar(kind.scalar, x);
  throw new Error('map inside map');
}

/** The fixture's typed description → our value (defaults present, absent messages absent). */
export function fromTyped(schema: MessageSchema, typed: Record<string, unknown>): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const f of schema.fields) {
    const x = typed[f.name];
    if (f.kind === 'map') {
      const m = Object.create(null) as Record<string, unknown>;
      for (const [k, v] of Object.entries((x ?? {}) as Record<string, unknown>)) m[k] = typedValue(f.value, v);
      o[f.localName] = m;
    } else if (f.repeated === true) {
      o[f.localName] = ((x ?? []) as unknown[]).map((e) => typedValue(f, e));
    } else if (x !== undefined) {
      o[f.localName] = typedValue(f, x);
    } else if (f.kind !== 'message' && f.optional !== true && f.oneof === undefined) {
      o[f.localName] = f.kind === 'enum' ? 0 : scalarDefault(f.scalar);
    }
  }
  return o;
}

/** What `fn` threw (undefined if it returned). */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}
