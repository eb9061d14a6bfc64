/**
 * Unknown fields: the fields of a message that its schema does not describe
 * (sent by a newer peer, or an extension not loaded here), kept on decode and
 * written back on encode, so that a service that decodes and re-encodes a
 * message — a proxy, a gateway, an older server — does not delete them.
 *
 *   bytes:  0a 01 61 | a0 1f 05 | 10 02      (field 500 is not in the schema)
 *   value:  { name: 'a', id: 2n, [UNKNOWN_FIELDS]: [ a0 1f 05 ] }
 *   encode: 0a 01 61 | 10 02 | a0 1f 05     (known fields in number order, then the unknown ones)
 *
 * What is kept, per message: each unknown field's raw bytes, tag included, in
 * the order they arrived; also a known field that came with another wire type,
 * a closed enum's unknown number, and a group's whole start..end. Nothing is
 * interpreted, so nothing can be lost.
 *
 * The JavaScript side: an array of Uint8Array under the symbol UNKNOWN_FIELDS,
 * set only on messages that had some. A symbol key because it keeps them out
 * of the way of everything that looks at a message's fields: `Object.keys`,
 * `for…in`, `JSON.stringify` and the proto3 JSON mapping (which, as the spec
 * says, leaves unknown fields out) do not see it; a spread copy `{ ...m }`
 * keeps it, so a copied message still carries its unknown fields. A codec made
 * with `{ discardUnknownFields: true }` never sets it. Set them with
 * setUnknownFields (not by assigning the symbol: see `unknownState`).
 */

/** The property holding a message's unknown fields (`Symbol.for`, so that two copies of wiregrpc agree). */
export const UNKNOWN_FIELDS: unique symbol = Symbol.for('wiregrpc.unknownFields') as never;

/**
 * Whether this process has ever held a message with unknown fields (a decode
 * kept some, or setUnknownFields gave some). Until then the encoder does not
 * look for them: the lookup, one symbol-keyed property load per message at a
 * site that sees every message type, cost 6–10% of the bench's Catalog encode
 * (1150 small submessages: with it and the int64 range check 3.1k ops/s,
 * 1.84× @bufbuild/protobuf; without both 3.3k, 2.09×; behind this flag, with
 * the range check: 3.2k, 2.06×; node 20, this noisy machine, bench/codec.ts 3 rounds).
 */
export const unknownState = { seen: false };

/** A message value that may carry unknown fields. */
export interface WithUnknownFields {
  [UNKNOWN_FIELDS]?: Uint8Array[];
}

/** The unknown fields of `message` (raw, tag included, in order), or an empty list. */
export function unknownFields(message: object): readonly Uint8Array[] {
  return (message as WithUnknownFields)[UNKNOWN_FIELDS] ?? [];
}

/** Replaces (or, with an empty list, removes) the unknown fields of `message`. */
export function setUnknownFields(message: object, fields: readonly Uint8Array[]): void {
  const m = message as WithUnknownFields;
  if (fields.length === 0) delete m[UNKNOWN_FIELDS];
  else {
    unknownState.seen = true;
    m[UNKNOWN_FIELDS] = [...fields];
  }
}
