/**
 * A typed implementation: what the compiler catches in a handler. A response
 * may leave fields out, and may be built any ordinary way (an object literal,
 * a variable, an async function, a generator); a field the message does not
 * have is a compile error wherever it hides — the encoder would drop it.
 */
import { Server, type ServerContext } from 'wiregrpc';
import { Notes, Priority, type GetNoteRequest, type Note, type NotesImplementation } from './gen/notes.js';

const server = new Server();
const stored: Note = {
  id: 'n1',
  text: 'hello',
  priority: Priority.PRIORITY_LOW,
  revision: 1n,
  blob: new Uint8Array(),
  editors: [],
  reviewers: {},
};

// Valid handlers: none of these may need a cast or an annotation.
server.add(Notes, {
  getNote: (req) => ({ id: req.id, text: 'ok' }),
});
server.add(Notes, {
  async getNote(req, ctx: ServerContext) {
    if (req.id === '') return { text: 'empty', priority: Priority.PRIORITY_HIGH };
    ctx.trailers.set('x-found', 'yes');
    return stored;
  },
  async *listNotes(req) {
    for (let i = 0; i < req.limit; i++) yield { id: String(i), revision: i };
    yield stored;
  },
  async saveNotes(requests) {
    let saved = 0;
    for await (const note of requests) saved += note.text.length > 0 ? 1 : 0;
    return { saved };
  },
  chat: (requests) => requests,
});
server.add(Notes, {
  listNotes: () => [{ id: 'a' }, { id: 'b', markdown: '# b' }],
  getNote: async () => {
    const reply = { id: 'x', author: { name: 'ann', userId: 5 }, reviewers: { bob: { name: 'bob' } } };
    return reply;
  },
});
// An implementation declared with the generated type is accepted as it is.
const declared: NotesImplementation = { getNote: () => stored };
server.add(Notes, declared);

// A class instance is an implementation too, checked the same way.
class NotesService {
  async getNote(req: GetNoteRequest) {
    return { id: req.id, text: 'from a class' };
  }
}
server.add(Notes, new NotesService());
class TypoService {
  getNote() {
    return { txet: 'oops' };
  }
}
// @ts-expect-error -- the misspelt field, in a class method
server.add(Notes, new TypoService());

// @ts-expect-error -- misspelt response field (issue 15: `txet` compiled and was dropped at run time)
server.add(Notes, { getNote: (req) => ({ id: req.id, txet: 'oops' }) });
server.add(Notes, {
  // @ts-expect-error -- the same, in an async method
  async getNote(req) {
    return { id: req.id, txet: 'oops' };
  },
});
server.add(Notes, {
  // @ts-expect-error -- the same, in a variable returned
  getNote: async () => {
    const reply = { id: 'x', txet: 'oops' };
    return reply;
  },
});
server.add(Notes, {
  // @ts-expect-error -- the same, in one branch of several
  async getNote(req) {
    if (req.id === '') return { id: '' };
    return { id: req.id, txet: 'oops' };
  },
});
server.add(Notes, {
  // @ts-expect-error -- the same, in a nested message
  getNote: () => ({ id: 'x', author: { name: 'ann', usreId: 1 } }),
});
server.add(Notes, {
  // @ts-expect-error -- the same, in a list element
  getNote: () => ({ editors: [{ name: 'a' }, { nmae: 'b' }] }),
});
server.add(Notes, {
  // @ts-expect-error -- the same, in a map value
  getNote: () => ({ reviewers: { bob: { nmae: 'bob' } } }),
});
server.add(Notes, {
  // @ts-expect-error -- the same, yielded by a generator
  async *listNotes() {
    yield { id: 'a' };
    yield { id: 'b', txet: 'oops' };
  },
});
server.add(Notes, {
  // @ts-expect-error -- two members of one oneof set at once
  getNote: () => ({ markdown: '# a', image: new Uint8Array() }),
});
server.add(Notes, {
  // @ts-expect-error -- a wrong type, not only a wrong name
  getNote: () => ({ id: 1 }),
});
server.add(Notes, {
  // @ts-expect-error -- the client-streaming handler returns one message, exactly
  async saveNotes() {
    return { saved: 1, skipped: 0 };
  },
});
server.add(Notes, {
  // @ts-expect-error -- no such method
  getNotes: () => ({}),
});
server.add(Notes, {
  // @ts-expect-error -- request fields are typed too
  getNote: (req) => ({ id: req.name }),
});
