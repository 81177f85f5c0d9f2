// The console's state in one place: panels read it, change it with `set`, and listen
// for the keys they draw (`on("queue", ...)`). Named signals between panels
// ("open-thread", "enter", ...) go through the same `emit`/`on`.

/**
 * A store: `state`, `set(patch)` which tells the listeners of each changed key,
 * `emit(name, detail)` and `on(name, listener)`.
 *
 * @param {object} initial the first state
 */
export function createStore(initial) {
  const state = { ...initial };
  const listeners = new Map();
  const emit = (name, detail) => {
    for (const listener of listeners.get(name) ?? []) listener(detail);
  };
  return {
    state,
    set(patch) {
      Object.assign(state, patch);
      for (const key of Object.keys(patch)) emit(key, state[key]);
    },
    emit,
    on(name, listener) {
      if (!listeners.has(name)) listeners.set(name, new Set());
      listeners.get(name).add(listener);
    },
  };
}

/** The agents' console's store. */
export const store = createStore({
  me: null, // the signed-in agent, from GET /me
  agents: [],
  teams: [],
  queue: [],
  known: null, // thread id -> whether it was ours, at the last refresh (null before it)
  unread: new Set(),
  openId: null,
  thread: null, // the open thread as the server sent it, or with state "gone"
  takenBy: null, // who took the open thread from under us, from the event stream
  handedBack: false, // the caller just handed the open thread back to the bot
});
