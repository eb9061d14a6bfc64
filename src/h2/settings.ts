/**
 * SETTINGS parameters (RFC 9113 §6.5.1, §6.5.2): each one in a SETTINGS payload is
 * six bytes, and a payload is any number of them.
 *
 *     +-------------------------------+
 *     |       Identifier (16)         |
 *     +-------------------------------+-------------------------------+
 *     |                        Value (32)                             |
 *     +---------------------------------------------------------------+
 *
 * Each endpoint announces its own parameters; they bind the peer (what the peer
 * may send), and take effect on the sender's side when the peer acknowledges.
 * Unknown identifiers are ignored by the receiver (§6.5.2), and kept in the parsed
 * list so a caller that knows an extension can read them.
 */
import { ErrorCode, H2Error } from './errors.js';
import { MAX_MAX_FRAME_SIZE, MAX_WINDOW_SIZE, MIN_MAX_FRAME_SIZE, type Setting } from './frame.js';

export const SettingId = {
  /** Largest HPACK dynamic table the sender's decoder allows (default 4096). */
  HEADER_TABLE_SIZE: 0x1,
  /** 0 or 1: whether the sender (a client) allows server push (default 1). */
  ENABLE_PUSH: 0x2,
  /** Most streams the sender lets its peer open at once (default: unlimited). */
  MAX_CONCURRENT_STREAMS: 0x3,
  /** The sender's initial stream flow-control window, at most 2^31-1 (default 65,535). */
  INITIAL_WINDOW_SIZE: 0x4,
  /** Largest frame payload the sender accepts, 2^14 … 2^24-1 (default 16,384). */
  MAX_FRAME_SIZE: 0x5,
  /** Advisory: largest field section the sender accepts, in RFC 7541 §4.1 octets (default: unlimited). */
  MAX_HEADER_LIST_SIZE: 0x6,
} as const;

export type SettingId = (typeof SettingId)[keyof typeof SettingId];

/** The bytes of one parameter in a SETTINGS payload. */
export const SETTING_LENGTH = 6;

/** The values both sides assume before any SETTINGS frame (§6.5.2). */
export interface Settings {
  headerTableSize: number;
  enablePush: boolean;
  /** Infinity: no limit announced. */
  maxConcurrentStreams: number;
  initialWindowSize: number;
  maxFrameSize: number;
  /** Infinity: no limit announced. */
  maxHeaderListSize: number;
}

export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze({
  headerTableSize: 4096,
  enablePush: true,
  maxConcurrentStreams: Infinity,
  initialWindowSize: 65_535,
  maxFrameSize: MIN_MAX_FRAME_SIZE,
  maxHeaderListSize: Infinity,
});

/**
 * Checks one received parameter against §6.5.2; throws the connection error the
 * RFC names. A value outside what the sender may announce is the peer's fault,
 * so this is also how the writer checks what it is asked to send (with fault local).
 */
export function checkSetting(setting: Setting, fault: 'peer' | 'local' = 'peer'): void {
  const { id, value } = setting;
  switch (id) {
    case SettingId.ENABLE_PUSH:
      if (value !== 0 && value !== 1)
        throw H2Error.connection(ErrorCode.PROTOCOL_ERROR, `SETTINGS_ENABLE_PUSH must be 0 or 1, not ${value}`, fault);
      return;
    case SettingId.INITIAL_WINDOW_SIZE:
      if (value > MAX_WINDOW_SIZE)
        throw H2Error.connection(
          ErrorCode.FLOW_CONTROL_ERROR,
          `SETTINGS_INITIAL_WINDOW_SIZE ${value} is above the largest window, 2^31-1`,
          fault,
        );
      return;
    case SettingId.MAX_FRAME_SIZE:
      if (value < MIN_MAX_FRAME_SIZE || value > MAX_MAX_FRAME_SIZE)
        throw H2Error.connection(
          ErrorCode.PROTOCOL_ERROR,
          `SETTINGS_MAX_FRAME_SIZE ${value} is outside ${MIN_MAX_FRAME_SIZE}…${MAX_MAX_FRAME_SIZE}`,
          fault,
        );
      return;
    default:
      return; // any 32-bit value is allowed for the others; unknown ids are ignored
  }
}

/** `settings` with the parameters of one SETTINGS frame applied in order (each was checked by the parser). */
export function applySettings(settings: Readonly<Settings>, received: readonly Setting[]): Settings {
  const next = copySettings(settings);
  for (const { id, value } of received) {
    switch (id) {
      case SettingId.HEADER_TABLE_SIZE:
        next.headerTableSize = value;
        break;
      case SettingId.ENABLE_PUSH:
        next.enablePush = value === 1;
        break;
      case SettingId.MAX_CONCURRENT_STREAMS:
        next.maxConcurrentStreams = value;
        break;
      case SettingId.INITIAL_WINDOW_SIZE:
        next.initialWindowSize = value;
        break;
      case SettingId.MAX_FRAME_SIZE:
        next.maxFrameSize = value;
        break;
      case SettingId.MAX_HEADER_LIST_SIZE:
        next.maxHeaderListSize = value;
        break;
      default:
        break; // §6.5.2: an unknown or unsupported identifier is ignored
    }
  }
  return next;
}

/**
 * A copy, made as one object literal of the six fields: its fields sit inside the object (a copy made by spreading
 * starts with none there and keeps them in a separate property array, 40 bytes more per copy; a connection keeps
 * two or three).
 */
export function copySettings(s: Readonly<Settings>): Settings {
  return {
    headerTableSize: s.headerTableSize,
    enablePush: s.enablePush,
    maxConcurrentStreams: s.maxConcurrentStreams,
    initialWindowSize: s.initialWindowSize,
    maxFrameSize: s.maxFrameSize,
    maxHeaderListSize: s.maxHeaderListSize,
  };
}

/**
 * One frozen object per set of values, shared by every connection of the realm: a server's connections announce
 * the same settings, and clients of one kind send it the same ones (two objects fewer per connection, ~0.2 KB).
 * Bounded: cleared when full. Settings are never changed in place (applySettings makes a new object).
 */
const SHARED = new Map<string, Readonly<Settings>>();
const SHARED_ENTRIES = 256;

export function sharedSettings(s: Readonly<Settings>): Readonly<Settings> {
  const key = `${s.headerTableSize} ${s.enablePush} ${s.maxConcurrentStreams} ${s.initialWindowSize} ${s.maxFrameSize} ${s.maxHeaderListSize}`;
  const known = SHARED.get(key);
  if (known !== undefined) return known;
  if (SHARED.size >= SHARED_ENTRIES) SHARED.clear();
  const frozen = Object.freeze(copySettings(s));
  SHARED.set(key, frozen);
  return frozen;
}
