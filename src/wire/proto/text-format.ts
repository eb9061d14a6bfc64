/**
 * protobuf's text format: the human-readable form `protoc --decode` prints and
 * `protoc --encode` reads, used in configs, test fixtures and debug output.
 *
 *   name: "ada"
 *   id: 7
 *   manager { name: "grace" }        # or <…>; a comment runs to the end of the line
 *   scores { key: "x" value: 1 }     # a map: repeated key/value entries
 *   emails: ["a@b", "c@d"]           # a repeated field, as a list or line by line
 *   any { [type.googleapis.com/pkg.Msg] { … } }
 *
 * toText prints (text-format-printer.ts, with the scalars of text-format-scalar.ts
 * and unknown fields by number in text-format-unknown.ts); fromText parses
 * (text-format-parser.ts over text-format-tokenizer.ts). Both throw only
 * ProtoError of kind 'text'.
 */
export { toText, type ToTextOptions } from './text-format-printer.js';
export { fromText, type FromTextOptions } from './text-format-parser.js';
