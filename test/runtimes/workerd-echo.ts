/**
 * The service the workerd test calls (workerd-client.test.ts): one unary method,
 * one server-streaming method and one that always fails, on plain-data schemas
 * (no .proto loader, so the Worker bundle stays small).
 *
 *   workerd.Echo/Echo    { text }  → { text }               the same text back
 *   workerd.Echo/Count   { n }     → { text: "1" } … "n"    n messages
 *   workerd.Echo/Fail    { text }  → NOT_FOUND, message text, trailer x-why: text
 */
import { defineService } from '../../src/service/define.js';
import type { MessageSchema } from '../../src/wire/proto/schema.js';

export const TextSchema: MessageSchema = {
  typeName: 'workerd.Text',
  fields: [{ no: 1, name: 'text', localName: 'text', jsonName: 'text', kind: 'scalar', scalar: 'string' }],
};

export const CountSchema: MessageSchema = {
  typeName: 'workerd.Count',
  fields: [{ no: 1, name: 'n', localName: 'n', jsonName: 'n', kind: 'scalar', scalar: 'int32' }],
};

export const Echo = defineService('workerd.Echo', [
  { name: 'Echo', shape: 'unary', input: TextSchema, output: TextSchema },
  { name: 'Count', shape: 'server_streaming', input: CountSchema, output: TextSchema },
  { name: 'Fail', shape: 'unary', input: TextSchema, output: TextSchema },
]);
