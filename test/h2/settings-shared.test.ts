// Settings objects are shared per set of values (settings.ts sharedSettings): connections that announce or
// receive the same SETTINGS hold one frozen object, and applying a SETTINGS frame never changes one in place.
import t from 'tap';
import { applySettings, DEFAULT_SETTINGS, SettingId, sharedSettings } from '../../src/h2/settings.js';

t.test('equal values, one frozen object; different values, different objects', async (t) => {
  const a = sharedSettings({ ...DEFAULT_SETTINGS, maxConcurrentStreams: 100 });
  const b = sharedSettings({ ...DEFAULT_SETTINGS, maxConcurrentStreams: 100 });
  t.equal(a, b, 'the same object');
  t.ok(Object.isFrozen(a));
  t.same(a, { ...DEFAULT_SETTINGS, maxConcurrentStreams: 100 }, 'with the values given');
  const c = sharedSettings({ ...DEFAULT_SETTINGS, maxConcurrentStreams: 101 });
  t.not(c, a);
  t.equal(c.maxConcurrentStreams, 101);
  t.not(sharedSettings({ ...DEFAULT_SETTINGS, enablePush: false }), sharedSettings(DEFAULT_SETTINGS));
});

t.test('a SETTINGS frame applied to a shared object leaves it as it was', async (t) => {
  const before = sharedSettings({ ...DEFAULT_SETTINGS });
  const after = applySettings(before, [{ id: SettingId.INITIAL_WINDOW_SIZE, value: 1 << 20 }]);
  t.equal(before.initialWindowSize, 65_535);
  t.equal(after.initialWindowSize, 1 << 20);
  t.equal(sharedSettings(after).initialWindowSize, 1 << 20);
});
