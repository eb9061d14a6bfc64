/**
 * Fuzz targets for the two text forms of a message, mutating the golden
 * fixtures' JSON and their text format (as toText prints the fixtures' bytes):
 *   json  — fromJsonString throws only ProtoError; whatever it accepts encodes
 *           to binary, and toJsonString∘fromJsonString reaches a fixed point.
 *   text  — the same for fromText / toText.
 * A JSON-text pair of interest: numbers at and beyond the double and 64-bit
 * edges, escapes and surrogates, deep nesting, duplicate keys — the mutator
 * splices such pieces in.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadProtoSync, type ProtoSet } from '../../../src/service/load.js';
import { codecFor } from '../../../src/wire/proto/codec.js';
import { ProtoError } from '../../../src/wire/proto/error.js';
import { fromJsonString, toJsonString } from '../../../src/wire/proto/json.js';
import { fromText, toText } from '../../../src/wire/proto/text-format.js';
import { fromHex, mutate, type Rng } from '../rng.js';
import { check, ROOT, type FuzzTarget } from '../target.js';

interface Seed {
  type: string;
  text: string;
}

let loaded: { protos: ProtoSet; json: Seed[]; text: Seed[] } | undefined;

function load(): { protos: ProtoSet; json: Seed[]; text: Seed[] } {
  if (loaded !== undefined) return loaded;
  const protos = loadProtoSync(['golden.proto', 'wkt.proto', 'json/json-text.proto'], {
    includeDirs: [path.join(ROOT, 'test/protos')],
  });
  const json: Seed[] = [];
  const text: Seed[] = [];
  for (const file of ['golden.json', 'wkt.json']) {
    const { cases } = JSON.parse(readFileSync(path.join(ROOT, 'test/fixtures/golden', file), 'utf8')) as {
      cases: { type: string; hex?: string; json?: unknown }[];
    };
    for (const c of cases) {
      if (c.json !== undefined) json.push({ type: c.type, text: JSON.stringify(c.json) });
      if (c.hex !== undefined) {
        const schema = protos.message(c.type);
        text.push({ type: c.type, text: toText(schema, codecFor(schema).decode(fromHex(c.hex))) });
      }
    }
  }
  const any = 'type.googleapis.com/jsontext.Person';
  json.push({ type: 'jsontext.Holder', text: `{"any":{"@type":"${any}","name":"a"},"choiceNull":null,"big":"1"}` });
  text.push({ type: 'jsontext.Holder', text: `any { [${any}] { name: "a" } } choice_null: NULL_VALUE big: 1` });
  loaded = { protos, json, text };
  return loaded;
}

const PIECES = [
  '-1.89769e+308',
  '9223372036854775808',
  '18446744073709551615',
  '1e400',
  '-0',
  '0x7fffffff',
  '"\\ud800"',
  '"\\u00e9\\ud83d\\ude00"',
  "'\\377\\x41\\U0001f600'",
  '[[[[[[[[[[',
  '{"a":1,"a":2}',
  'NaN',
  '"-Infinity"',
  '<>',
  '# comment\n',
  '[type.googleapis.com/jsontext.Person] {}',
  '"2020-01-01T00:00:00Z"',
  '"-315576000000.999999999s"',
];

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function mutant(rng: Rng, seeds: Seed[]): Seed {
  const seed = rng.pick(seeds);
  if (rng.chance(0.05)) return seed;
  const piece = encoder.encode(rng.pick(PIECES));
  const other = rng.chance(0.5) ? piece : encoder.encode(rng.pick(seeds).text);
  return { type: seed.type, text: decoder.decode(mutate(rng, encoder.encode(seed.text), other)) };
}

/** Parse → (ProtoError: fine) → encode → print → parse → print: the second print is the first. */
function roundTrip(
  type: string,
  text: string,
  parse: (text: string) => Record<string, unknown>,
  print: (value: Record<string, unknown>) => string,
): void {
  const { protos } = load();
  let value: Record<string, unknown>;
  try {
    value = parse(text);
  } catch (err) {
    if (err instanceof ProtoError) return;
    throw err;
  }
  codecFor(protos.message(type)).encode(value);
  const once = print(value);
  const twice = print(parse(once));
  check(once === twice, `${type}: print∘parse is not a fixed point:\n${once}\nthen\n${twice}`);
}

export const json: FuzzTarget<Seed> = {
  name: 'json',
  setup: () => void load(),
  generate: (rng) => mutant(rng, load().json),
  execute({ type, text }) {
    const { protos } = load();
    const schema = protos.message(type);
    const options = { registry: protos };
    roundTrip(
      type,
      text,
      (t) => fromJsonString(schema, t, options),
      (v) => toJsonString(schema, v, options),
    );
  },
};

export const text: FuzzTarget<Seed> = {
  name: 'text',
  setup: () => void load(),
  generate: (rng) => mutant(rng, load().text),
  execute({ type, text }) {
    const { protos } = load();
    const schema = protos.message(type);
    const options = { registry: protos };
    roundTrip(
      type,
      text,
      (t) => fromText(schema, t, options),
      (v) => toText(schema, v, options),
    );
  },
};
