/**
 * What a fuzz target is: it makes an input (plain JSON, so a failure can be
 * saved and replayed), and runs it. Running may throw GrpcError only where
 * the target says so; any other exception, or a broken property, is a failure.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Code } from '../../src/wire/grpc/code.js';
import { GrpcError } from '../../src/wire/grpc/error.js';
import { ProtoError } from '../../src/wire/proto/error.js';
import { fromHex } from './rng.js';
import type { Rng } from './rng.js';

export interface FuzzTarget<I = unknown> {
  name: string;
  setup?(): Promise<void> | void;
  teardown?(): Promise<void> | void;
  generate(rng: Rng): I;
  /** Throws FuzzFailure (a broken property) or anything unexpected. */
  execute(input: I): Promise<void> | void;
}

/** A property that does not hold. */
export class FuzzFailure extends Error {
  override name = 'FuzzFailure';
}

export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new FuzzFailure(message);
}

/**
 * Runs `fn`; a GrpcError, or the codec's ProtoError (turned into the
 * GrpcError(INTERNAL) the service layer would answer), is an accepted outcome
 * (returned), anything else thrown propagates.
 */
export function grpcErrorOr<T>(fn: () => T): T | GrpcError {
  try {
    return fn();
  } catch (err) {
    if (err instanceof GrpcError) return err;
    if (err instanceof ProtoError) return GrpcError.from(err, Code.INTERNAL);
    throw err;
  }
}

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** The repository root, from test/fuzz or dist/test/fuzz. */
export const ROOT = path.resolve(HERE, HERE.includes(`${path.sep}dist${path.sep}`) ? '../../..' : '../..');

export interface Seed {
  type: string;
  bytes: Uint8Array;
}

/** Valid (and a few invalid) encodings from the golden fixtures: the mutation seeds. */
export function goldenSeeds(): Seed[] {
  const seeds: Seed[] = [];
  for (const file of ['golden.json', 'decode.json', 'errors.json', 'wkt.json']) {
    const { cases } = JSON.parse(readFileSync(path.join(ROOT, 'test/fixtures/golden', file), 'utf8')) as {
      cases: { type: string; hex?: string; input?: string }[];
    };
    for (const c of cases) {
      if (c.hex) seeds.push({ type: c.type, bytes: fromHex(c.hex) });
      if (c.input) seeds.push({ type: c.type, bytes: fromHex(c.input) });
    }
  }
  return seeds;
}
