/**
 * The dynamic route (a .proto loaded at run time, no type argument) under the
 * strictest flags: it is honest that a method may not exist, offers a checked
 * lookup instead of a wall of TS2722/TS4111, types `ctx` in handlers, and still
 * checks call options. And the typed loader: a .proto at run time, typed by
 * the generated definition's type.
 */
import { createClient, loadProtoSync, methodStub, Server } from 'wiregrpc';
import type { Notes as NotesDefinition } from './gen/notes.js';

export async function dynamic(): Promise<void> {
  const protos = loadProtoSync('test/types/notes.proto');
  const Notes = protos.service('notes.Notes');
  const client = createClient(Notes, 'localhost:50051');

  // @ts-expect-error -- a dynamic client's method may not exist: `client.getNote` is possibly undefined
  await client.getNote({ id: 'n1' });
  const getNote = methodStub(client, 'getNote'); // a TypeError here, naming the methods, if there is none
  const note: unknown = await getNote({ id: 'n1' }, { timeout: 1000 });
  void note;
  // @ts-expect-error -- call options are checked even here
  await getNote({ id: 'n1' }, { timeuot: 1000 });
  // @ts-expect-error -- a timeout is a length of time, never a boolean
  await getNote({ id: 'n1' }, { timeout: true });

  const server = new Server();
  server.add(Notes, {
    getNote({ id }: { id: string }, ctx) {
      ctx.trailers.set('x-id', id);
      return { id };
    },
  });
  server.add(Notes, {
    // @ts-expect-error -- ctx is a ServerContext, not anything
    getNote: (_req, ctx) => ctx.noSuchMember,
  });

  // The typed loader: schemas from the .proto at run time, types from the generated definition.
  const TypedNotes = protos.service<typeof NotesDefinition>('notes.Notes');
  const typed = createClient(TypedNotes, 'localhost:50051');
  const text: string = (await typed.getNote({ id: 'n1' })).text;
  void text;
  // @ts-expect-error -- typed: no such method
  await typed.getNot({ id: 'n1' });
  server.add(TypedNotes, {
    // @ts-expect-error -- typed: misspelt response field
    getNote: () => ({ txet: 'oops' }),
  });

  await client.close();
  await typed.close();
}
