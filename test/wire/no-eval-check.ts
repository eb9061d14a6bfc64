/**
 * Run by test/wire/no-eval.test.ts under `node --disallow-code-generation-from-strings`
 * (where eval and new Function throw EvalError). Encodes and decodes with
 * wiregrpc's codec and JSON mapping, then tries protobufjs's generated codec
 * to show that the flag really bites. Prints one JSON line with the results.
 */
import protobuf from 'protobufjs';
import { codecFor } from '../../src/wire/proto/codec.js';
import { fromJson, toJson } from '../../src/wire/proto/json.js';
import type { MessageSchema } from '../../src/wire/proto/schema.js';

const UserResponse: MessageSchema = {
  typeName: 'proto.UserResponse',
  fields: [
    { no: 1, name: 'id', localName: 'id', jsonName: 'id', kind: 'scalar', scalar: 'int32' },
    { no: 2, name: 'name', localName: 'name', jsonName: 'name', kind: 'scalar', scalar: 'string' },
    { no: 3, name: 'age', localName: 'age', jsonName: 'age', kind: 'scalar', scalar: 'int32' },
    { no: 4, name: 'hobby', localName: 'hobby', jsonName: 'hobby', kind: 'scalar', scalar: 'string', repeated: true },
  ],
};

const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

function attempt(fn: () => unknown): { value?: unknown; error?: string } {
  try {
    return { value: fn() };
  } catch (err) {
    return { error: `${(err as Error).name}: ${(err as Error).message}` };
  }
}

const codec = codecFor<Record<string, unknown>>(UserResponse);
const value = { id: 1, name: 'foo', age: 12, hobby: ['eating', 'sleep'] };
const ours = attempt(() => {
  const bytes = codec.encode(value);
  const back = codec.decode(bytes);
  const json = toJson(UserResponse, back);
  return {
    hex: hex(bytes),
    back,
    json,
    fromJson: fromJson(UserResponse, { id: '1', name: 'foo', age: 12, hobby: ['eating', 'sleep'] }),
  };
});
const evalProbe = attempt(() => eval('1 + 1'));
const pbjs = attempt(() => {
  const root = protobuf.parse(
    'syntax = "proto3"; package proto; message UserResponse { int32 id = 1; string name = 2; int32 age = 3; repeated string hobby = 4; }',
  ).root;
  return hex(root.lookupType('proto.UserResponse').encode(value).finish());
});
process.stdout.write(`${JSON.stringify({ ours, evalProbe, pbjs })}\n`);
