/**
 * Descriptors from a server's reflection are untrusted input. Whatever is wrong
 * with them surfaces as a GrpcError (the one error type every parser throws):
 * INTERNAL for a malformed or inconsistent descriptor, as for any malformed
 * answer from a peer; UNIMPLEMENTED for a valid schema we do not support (groups).
 */
import t, { type Test } from 'tap';
import { protoSetFromDescriptors, type FileDescriptor } from '../../src/service/from-descriptor.js';
import { Code } from '../../src/wire/grpc/code.js';
import { GrpcError } from '../../src/wire/grpc/error.js';

const TYPE_INT32 = 5;
const TYPE_STRING = 9;
const TYPE_GROUP = 10;
const TYPE_MESSAGE = 11;
const TYPE_DOUBLE = 1;
const LABEL_OPTIONAL = 1;
const LABEL_REPEATED = 3;

type Field = FileDescriptor['messageType'][number]['field'][number];
type Message = FileDescriptor['messageType'][number];

function message(name: string, field: Field[], extra: Partial<Message> = {}): Message {
  return { name, field, nestedType: [], enumType: [], oneofDecl: [], ...extra };
}

function file(messages: Message[], extra: Partial<FileDescriptor> = {}): FileDescriptor {
  return {
    name: 'evil.proto',
    package: 'evil',
    dependency: [],
    messageType: messages,
    enumType: [],
    service: [],
    syntax: 'proto3',
    ...extra,
  };
}

function grpcError(t: Test, fn: () => unknown, code: Code, pattern: RegExp | string, what: string): void {
  try {
    fn();
    t.fail(`${what}: no error`);
  } catch (err) {
    t.ok(
      err instanceof GrpcError,
      `${what}: a GrpcError (got ${(err as Error)?.constructor?.name}: ${(err as Error)?.message})`,
    );
    t.equal((err as GrpcError).code, code, what);
    t.match((err as Error).message, pattern, what);
  }
}

t.test('malformed descriptors → GrpcError(INTERNAL) naming the fault', async (t) => {
  grpcError(
    t,
    () => protoSetFromDescriptors([file([], { syntax: 'editions', edition: 5000 })]),
    Code.INTERNAL,
    'unsupported edition 5000',
    'an edition we do not know',
  );

  const oneofOutOfRange = message('M', [
    { name: 'a', number: 1, label: LABEL_OPTIONAL, type: TYPE_INT32, oneofIndex: 3 },
  ]);
  grpcError(
    t,
    () => protoSetFromDescriptors([file([oneofOutOfRange])]),
    Code.INTERNAL,
    'oneof_index 3 out of range',
    'a oneof index past oneof_decl',
  );

  const noType = message('M', [{ name: 'a', number: 1, label: LABEL_OPTIONAL, type: TYPE_MESSAGE }]);
  grpcError(
    t,
    () => protoSetFromDescriptors([file([noType])]),
    Code.INTERNAL,
    'field a: no type',
    'a message field without type_name',
  );

  const dangling = message('M', [
    { name: 'a', number: 1, label: LABEL_OPTIONAL, type: TYPE_MESSAGE, typeName: '.evil.Nowhere' },
  ]);
  grpcError(
    t,
    () => protoSetFromDescriptors([file([dangling])]),
    Code.INTERNAL,
    'Nowhere',
    'a type name that resolves to nothing',
  );

  const entryWithoutValue = message(
    'M',
    [{ name: 'm', number: 1, label: LABEL_REPEATED, type: TYPE_MESSAGE, typeName: '.evil.M.MEntry' }],
    {
      nestedType: [
        message('MEntry', [{ name: 'key', number: 1, label: LABEL_OPTIONAL, type: TYPE_STRING }], {
          options: { mapEntry: true },
        }),
      ],
    },
  );
  grpcError(
    t,
    () => protoSetFromDescriptors([file([entryWithoutValue])]),
    Code.INTERNAL,
    'lacks its key or value',
    'a map entry with no value field',
  );
});

t.test('a bad map key is INTERNAL; a proto2 group is a delimited message field', async (t) => {
  const doubleKey = message(
    'M',
    [{ name: 'm', number: 1, label: LABEL_REPEATED, type: TYPE_MESSAGE, typeName: '.evil.M.MEntry' }],
    {
      nestedType: [
        message(
          'MEntry',
          [
            { name: 'key', number: 1, label: LABEL_OPTIONAL, type: TYPE_DOUBLE },
            { name: 'value', number: 2, label: LABEL_OPTIONAL, type: TYPE_STRING },
          ],
          { options: { mapEntry: true } },
        ),
      ],
    },
  );
  grpcError(
    t,
    () => protoSetFromDescriptors([file([doubleKey])]),
    Code.INTERNAL,
    /key type: double/,
    'a double map key (the language guide allows integral and string keys only)',
  );

  const group = message(
    'G',
    [{ name: 'grp', number: 1, label: LABEL_OPTIONAL, type: TYPE_GROUP, typeName: '.evil.G.Grp' }],
    {
      nestedType: [message('Grp', [{ name: 'x', number: 2, label: LABEL_OPTIONAL, type: TYPE_INT32 }])],
    },
  );
  const legacy = protoSetFromDescriptors([file([group], { syntax: 'proto2' })]);
  t.match(legacy.message('evil.G').fields[0], { name: 'grp', kind: 'message', delimited: true }, 'a proto2 group');
  t.equal(
    [...legacy.codec('evil.G').encode({ grp: { x: 1 } })].map((b) => b.toString(16).padStart(2, '0')).join(''),
    '0b' + '1001' + '0c',
    'written between its start- and end-group tags',
  );
});

t.test(
  'names from descriptors are data, never object keys with meaning: __proto__, constructor, toString',
  async (t) => {
    const pollution = () =>
      Object.keys(Object.prototype).concat(['nested', 'fields', 'values', 'methods'].filter((k) => k in {}));
    const before = pollution();
    const odd = ['__proto__', 'constructor', 'toString', 'hasOwnProperty'];
    for (const name of odd) {
      const files: FileDescriptor[] = [
        file([message('M', [{ name: 'a', number: 1, type: TYPE_INT32, label: LABEL_OPTIONAL }])], {
          package: `${name}.pkg`,
        }),
        file(
          [
            message(name, [{ name, number: 1, type: TYPE_STRING, label: LABEL_OPTIONAL }], {
              oneofDecl: [{ name }],
              nestedType: [message(name, [])],
              enumType: [{ name, value: [{ name: 'ZERO', number: 0 }] }],
            }),
          ],
          { name: 'odd.proto', package: name === '__proto__' ? 'p' : name },
        ),
        file([], {
          name: 'enum.proto',
          package: `e${name.length}`,
          enumType: [
            {
              name: 'E',
              value: [
                { name: 'ZERO', number: 0 },
                { name, number: 1 },
              ],
            },
          ],
          service: [{ name: 'S', method: [{ name, inputType: `.${name}.pkg.M`, outputType: `.${name}.pkg.M` }] }],
        }),
      ];
      for (const f of files) {
        try {
          protoSetFromDescriptors([f]);
        } catch (err) {
          t.ok(
            err instanceof GrpcError,
            `${name} in ${f.name}: a GrpcError if anything (got ${(err as Error)?.constructor?.name}: ${(err as Error)?.message})`,
          );
        }
      }
      t.same(pollution(), before, `${name}: Object.prototype is untouched`);
      t.equal((Object as unknown as { nested?: unknown }).nested, undefined, `${name}: Object is untouched`);
    }
    const set = protoSetFromDescriptors([
      file([message('M', [{ name: 'a', number: 1, type: TYPE_INT32, label: LABEL_OPTIONAL }])], {
        package: 'constructor.pkg',
      }),
    ]);
    t.ok(set.message('constructor.pkg.M'), 'a package named "constructor" holds its messages');
  },
);
