/**
 * A typed service definition: the one `defineService` builds from the
 * schemas (the same definition loading the .proto gives), with its methods'
 * request, response and call shape stated as types, so that
 *
 *   createClient(UserInfo, target).getUserInfo({ name })   → Promise<UserResponse>
 *   server.add(UserInfo, { getUserInfo: async (request) => … })   // request: UserRequest
 *
 * type-check end to end (src/service/typed.ts maps the types).
 */
import type { Imports } from './imports.js';
import type { ServiceDecl } from './model.js';
import { docComment, propertyKey, str } from './names.js';

export function serviceDefinition(decl: ServiceDecl, refs: Imports): string {
  const methods = Object.values(decl.definition.methods);
  const specs = methods.map(
    (m) =>
      docComment(decl.methodComments.get(m.name), '  ') +
      `  { name: ${str(m.name)}, shape: ${str(m.shape)}, input: ${refs.schema(m.input.schema.typeName)}, output: ${refs.schema(m.output.schema.typeName)} },`,
  );
  const types = methods.map(
    (m) =>
      `  ${propertyKey(m.name)}: ${refs.rt('TypedMethod')}<${refs.type(m.input.schema.typeName)}, ${refs.type(m.output.schema.typeName)}, ${str(m.shape)}>;`,
  );
  const body = (lines: string[]): string => (lines.length > 0 ? `\n${lines.join('\n')}\n` : '');
  return (
    docComment(decl.comment, '') +
    `export const ${decl.tsName} = ${refs.rt('defineService')}(${str(decl.typeName)}, [${body(specs)}]) as ${refs.rt('TypedServiceDefinition')}<{${body(types)}}>;\n` +
    `/** The client stub of ${decl.typeName}: \`createClient(${decl.tsName}, target)\`. */\n` +
    `export type ${decl.clientName} = ${refs.rt('Client')}<${refs.rt('ClientOf')}<typeof ${decl.tsName}>>;\n` +
    `/** What \`server.add(${decl.tsName}, implementation)\` accepts. */\n` +
    `export type ${decl.implementationName} = ${refs.rt('ImplementationOf')}<typeof ${decl.tsName}>;\n`
  );
}
