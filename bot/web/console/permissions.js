// What the signed-in agent may do on a thread: the one place the console asks.
//
// The agents' API sends `allowed_actions` with each thread (names: claim, reply, note,
// transfer, resolve, hand_back, reassign), decided by the server's state machine
// (core/states.py); the console shows exactly those and derives nothing itself.

/**
 * The actions `me` may take on `thread`, as a Set of names.
 *
 * A thread the console lost (state "gone": taken by someone else, or no longer visible)
 * allows nothing, whatever the server said when it was loaded.
 *
 * @param {object|null} thread a thread from the agents' API
 * @param {object|null} me the signed-in agent ({id, role})
 * @returns {Set<string>}
 */
export function allowedActions(thread, me) {
  if (!thread || !me || thread.state === "gone") return new Set();
  return new Set(thread.allowed_actions || []);
}
