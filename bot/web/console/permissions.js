// What the signed-in agent may do on a thread: the one place the console asks.
//
// The agents' API sends `allowed_actions` with each thread (names: claim, reply, note,
// transfer, resolve, hand_back, reassign); the console shows exactly those. Until every
// server sends it, `derivedActions` below rebuilds the same list from the thread and
// the agent. It is the only copy of those rules in the page.

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
  if (Array.isArray(thread.allowed_actions)) return new Set(thread.allowed_actions);
  return derivedActions(thread, me);
}

// FALLBACK, TO REMOVE once the agents' API returns `allowed_actions` on every thread
// (issue 13, branch core): the server's rules, re-derived in the page.
function derivedActions(thread, me) {
  const mine = thread.state === "with_agent" && thread.agent_id === me.id;
  const supervisor = me.role === "supervisor";
  const open = thread.state === "queued" || thread.state === "with_agent";
  const manage = mine || (supervisor && open);
  const allowed = new Set();
  if ((thread.state === "queued" || thread.state === "bot") && thread.agent_id === null) {
    allowed.add("claim");
  }
  if (manage) for (const action of ["reply", "transfer", "resolve", "hand_back"]) allowed.add(action);
  if (open && (manage || thread.agent_id === null)) allowed.add("note");
  if (supervisor && open) allowed.add("reassign");
  return allowed;
}
