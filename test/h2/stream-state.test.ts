// The stream state machine of RFC 9113 §5.1: every edge of the RFC's diagram, the
// frames each state refuses (with the code and scope the RFC names), and whole
// stream lives walked from idle to closed.
import t from 'tap';
import { ErrorCode, H2Error } from '../../src/h2/errors.js';
import { onReceive, onSend, type StreamEvent, type StreamState } from '../../src/h2/stream-state.js';

const H: StreamEvent = { type: 'headers', endStream: false };
const H_ES: StreamEvent = { type: 'headers', endStream: true };
const D: StreamEvent = { type: 'data', endStream: false };
const D_ES: StreamEvent = { type: 'data', endStream: true };
const PP: StreamEvent = { type: 'push-promise' };
const RESERVE: StreamEvent = { type: 'reserve' };
const R: StreamEvent = { type: 'rst-stream' };
const PRIO: StreamEvent = { type: 'priority' };
const WU: StreamEvent = { type: 'window-update' };
const EVENTS = [H, H_ES, D, D_ES, PP, RESERVE, R, PRIO, WU];
const STATES: StreamState[] = [
  'idle',
  'reserved (local)',
  'reserved (remote)',
  'open',
  'half-closed (local)',
  'half-closed (remote)',
  'closed',
  'closed (reset sent)',
  'closed (reset received)',
];

const name = (e: StreamEvent) => ('endStream' in e && e.endStream ? `${e.type}+ES` : e.type);

type Outcome = StreamState | { code: number; scope: 'connection' | 'stream' } | 'local';

function outcome(fn: () => StreamState): Outcome {
  try {
    return fn();
  } catch (err) {
    if (!(err instanceof H2Error)) throw err;
    if (err.fault === 'local') return 'local';
    return { code: err.code, scope: err.scope };
  }
}

t.test('every edge of the §5.1 diagram', async (t) => {
  const edges: [StreamState, 'send' | 'recv', StreamEvent, StreamState][] = [
    ['idle', 'send', RESERVE, 'reserved (local)'], // send PP
    ['idle', 'recv', RESERVE, 'reserved (remote)'], // recv PP
    ['idle', 'send', H, 'open'],
    ['idle', 'recv', H, 'open'],
    ['idle', 'send', H_ES, 'half-closed (local)'],
    ['idle', 'recv', H_ES, 'half-closed (remote)'],
    ['reserved (local)', 'send', H, 'half-closed (remote)'],
    ['reserved (local)', 'send', R, 'closed (reset sent)'],
    ['reserved (local)', 'recv', R, 'closed (reset received)'],
    ['reserved (remote)', 'recv', H, 'half-closed (local)'],
    ['reserved (remote)', 'send', R, 'closed (reset sent)'],
    ['reserved (remote)', 'recv', R, 'closed (reset received)'],
    ['open', 'send', D_ES, 'half-closed (local)'],
    ['open', 'send', H_ES, 'half-closed (local)'],
    ['open', 'recv', D_ES, 'half-closed (remote)'],
    ['open', 'recv', H_ES, 'half-closed (remote)'],
    ['open', 'send', R, 'closed (reset sent)'],
    ['open', 'recv', R, 'closed (reset received)'],
    ['half-closed (remote)', 'send', D_ES, 'closed'],
    ['half-closed (remote)', 'send', H_ES, 'closed'],
    ['half-closed (remote)', 'send', R, 'closed (reset sent)'],
    ['half-closed (remote)', 'recv', R, 'closed (reset received)'],
    ['half-closed (local)', 'recv', D_ES, 'closed'],
    ['half-closed (local)', 'recv', H_ES, 'closed'],
    ['half-closed (local)', 'send', R, 'closed (reset sent)'],
    ['half-closed (local)', 'recv', R, 'closed (reset received)'],
  ];
  for (const [from, dir, event, to] of edges) {
    const fn = dir === 'send' ? onSend : onReceive;
    t.equal(fn(from, event, 1), to, `${from} --${dir} ${name(event)}--> ${to}`);
  }
});

t.test('frames that keep the state', async (t) => {
  for (const state of STATES) {
    t.equal(onReceive(state, PRIO, 1), state, `recv PRIORITY in ${state}`);
    t.equal(onSend(state, PRIO, 1), state, `send PRIORITY in ${state}`);
  }
  t.equal(onSend('open', D, 1), 'open');
  t.equal(onReceive('open', D, 1), 'open');
  t.equal(onReceive('half-closed (local)', D, 1), 'half-closed (local)', 'the peer still sends');
  t.equal(onSend('half-closed (remote)', D, 1), 'half-closed (remote)', 'we still send');
  t.equal(onReceive('half-closed (remote)', WU, 1), 'half-closed (remote)', 'a window for what we still send');
  t.equal(onReceive('reserved (local)', WU, 1), 'reserved (local)', '§5.1 allows it there');
  t.equal(onReceive('open', PP, 1), 'open', 'a push promised on this stream');
  t.equal(onReceive('half-closed (local)', PP, 1), 'half-closed (local)');
  t.equal(onSend('half-closed (remote)', PP, 1), 'half-closed (remote)');
  t.equal(onSend('open', H, 1), 'open', 'more headers (trailers without END_STREAM, 1xx before the response)');
});

t.test('what the peer may not send, with the RFC code and scope', async (t) => {
  const cases: [StreamState, StreamEvent, number, 'connection' | 'stream'][] = [
    // idle: "any frame other than HEADERS or PRIORITY" → connection PROTOCOL_ERROR
    ['idle', D, ErrorCode.PROTOCOL_ERROR, 'connection'],
    ['idle', WU, ErrorCode.PROTOCOL_ERROR, 'connection'],
    ['idle', R, ErrorCode.PROTOCOL_ERROR, 'connection'],
    ['idle', PP, ErrorCode.PROTOCOL_ERROR, 'connection'],
    // reserved (local): only RST_STREAM, PRIORITY, WINDOW_UPDATE
    ['reserved (local)', H, ErrorCode.PROTOCOL_ERROR, 'connection'],
    ['reserved (local)', D, ErrorCode.PROTOCOL_ERROR, 'connection'],
    // reserved (remote): only HEADERS, RST_STREAM, PRIORITY
    ['reserved (remote)', D, ErrorCode.PROTOCOL_ERROR, 'connection'],
    ['reserved (remote)', WU, ErrorCode.PROTOCOL_ERROR, 'connection'],
    // half-closed (remote): anything but WINDOW_UPDATE, PRIORITY, RST_STREAM → stream STREAM_CLOSED
    ['half-closed (remote)', D, ErrorCode.STREAM_CLOSED, 'stream'],
    ['half-closed (remote)', H_ES, ErrorCode.STREAM_CLOSED, 'stream'],
    // §6.6: PUSH_PROMISE only on open or half-closed (local); the promised stream must be idle
    ['half-closed (remote)', PP, ErrorCode.PROTOCOL_ERROR, 'connection'],
    ['open', RESERVE, ErrorCode.PROTOCOL_ERROR, 'connection'],
    // closed after END_STREAM both ways: DATA or HEADERS → connection STREAM_CLOSED
    ['closed', D, ErrorCode.STREAM_CLOSED, 'connection'],
    ['closed', H, ErrorCode.STREAM_CLOSED, 'connection'],
    // closed by the peer's RST_STREAM: anything but PRIORITY → stream STREAM_CLOSED
    ['closed (reset received)', D, ErrorCode.STREAM_CLOSED, 'stream'],
    ['closed (reset received)', WU, ErrorCode.STREAM_CLOSED, 'stream'],
    ['closed (reset received)', R, ErrorCode.STREAM_CLOSED, 'stream'],
  ];
  for (const [state, event, code, scope] of cases)
    t.same(
      outcome(() => onReceive(state, event, 9)),
      { code, scope },
      `recv ${name(event)} in ${state}`,
    );
});

t.test('late frames the RFC lets through on a closed stream', async (t) => {
  t.equal(onReceive('closed', WU, 1), 'closed', 'WINDOW_UPDATE crossing our END_STREAM');
  t.equal(onReceive('closed', R, 1), 'closed', 'RST_STREAM crossing our END_STREAM');
  for (const event of EVENTS)
    t.equal(
      onReceive('closed (reset sent)', event, 1),
      'closed (reset sent)',
      `${name(event)} after our reset: ignored`,
    );
});

t.test('what this side may not send is its own bug', async (t) => {
  const cases: [StreamState, StreamEvent][] = [
    ['idle', D],
    ['idle', R],
    ['idle', WU],
    ['reserved (local)', D],
    ['reserved (local)', WU],
    ['reserved (remote)', H],
    ['reserved (remote)', D],
    ['half-closed (local)', D],
    ['half-closed (local)', H],
    ['open', RESERVE],
    ['half-closed (local)', PP],
    ['closed', D],
    ['closed', R],
    ['closed (reset sent)', WU],
    ['closed (reset received)', H],
  ];
  for (const [state, event] of cases)
    t.equal(
      outcome(() => onSend(state, event, 3)),
      'local',
      `send ${name(event)} in ${state}`,
    );
});

t.test('every state and event: a state or an H2Error, never anything else', async (t) => {
  let n = 0;
  for (const state of STATES)
    for (const event of EVENTS)
      for (const fn of [onSend, onReceive]) {
        const o = outcome(() => fn(state, event, 1));
        if (typeof o === 'string' && o !== 'local') t.ok(STATES.includes(o), `${state} + ${name(event)}`);
        n++;
      }
  t.equal(n, STATES.length * EVENTS.length * 2);
});

t.test('whole lives: a unary call, a reset, a push', async (t) => {
  const walk = (steps: ['send' | 'recv', StreamEvent][], from: StreamState = 'idle') =>
    steps.reduce((s, [dir, e]) => (dir === 'send' ? onSend : onReceive)(s, e, 1), from);
  // Client side of a gRPC unary call: HEADERS, DATA+ES; response HEADERS, DATA, trailers HEADERS+ES.
  t.equal(
    walk([
      ['send', H],
      ['send', D_ES],
      ['recv', H],
      ['recv', WU],
      ['recv', D],
      ['recv', H_ES],
    ]),
    'closed',
  );
  // Server side of the same call.
  t.equal(
    walk([
      ['recv', H],
      ['recv', D_ES],
      ['send', H],
      ['send', D],
      ['send', H_ES],
      ['recv', WU],
    ]),
    'closed',
  );
  // A client cancels; the server's DATA already in flight is ignored.
  t.equal(
    walk([
      ['send', H],
      ['send', R],
      ['recv', D],
      ['recv', H_ES],
    ]),
    'closed (reset sent)',
  );
  // A pushed response, seen by the client: reserved by PUSH_PROMISE, then HEADERS and DATA+ES.
  t.equal(
    walk([
      ['recv', RESERVE],
      ['recv', H],
      ['recv', D_ES],
    ]),
    'closed',
  );
});
