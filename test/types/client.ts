/**
 * A typed client: what the compiler catches at a call site. The client is
 * never connected (createClient does not dial until the first call, and no
 * call here is ever run: the file is only compiled).
 */
import { createClient, type ResponseStream } from 'wiregrpc';
import { Notes, Priority, type Note, type SaveSummary } from './gen/notes.js';

export async function calls(): Promise<void> {
  const client = createClient(Notes, 'localhost:50051');

  // Every call shape has its own stub type.
  const note: Note = await client.getNote({ id: 'n1' }, { timeout: 1000 });
  const stream: ResponseStream<Note> = client.listNotes({ limit: 2 });
  for await (const each of stream) each.text.toUpperCase();
  const summary: SaveSummary = await client.saveNotes([{ text: 'a' }, { text: 'b' }]);
  for await (const reply of client.chat([{ text: 'hi' }])) reply.id.toUpperCase();
  // The .proto name works too.
  await client.GetNote({ id: 'n1' });
  // Requests may leave fields out, give int64 as number or bigint, nest partial messages.
  await client.saveNotes([
    { revision: 3, author: { userId: 7n } },
    { revision: 4n, priority: Priority.PRIORITY_HIGH },
  ]);
  void note;
  void summary;

  // @ts-expect-error -- no such method (at run time: "getNot is not a function")
  await client.getNot({ id: 'n1' });
  // @ts-expect-error -- misspelt request field
  await client.getNote({ idd: 'n1' });
  // @ts-expect-error -- a number where the id goes
  await client.getNote({ id: 1 });
  // @ts-expect-error -- misspelt field of a nested message
  await client.saveNotes([{ author: { nmae: 'x' } }]);
  // @ts-expect-error -- a streaming request takes an iterable, not one message
  await client.saveNotes({ text: 'a' });
  // @ts-expect-error -- misspelt call option
  await client.getNote({ id: 'n1' }, { timeuot: 1000 });
  // @ts-expect-error -- a server stream is iterated, it is not a Promise of a Note
  const wrong: Promise<Note> = client.listNotes({ limit: 1 });
  void wrong;
  // @ts-expect-error -- responses are full messages: `text` is a string, never undefined
  const text: number = note.text;
  void text;

  await client.close();
}
