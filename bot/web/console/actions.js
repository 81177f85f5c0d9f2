// The open thread's buttons: Claim, Transfer, Hand back and Resolve, shown as the
// thread's allowed actions say. Resolving asks first: the customer is told at once
// and asked for a rating, so there is nothing to undo.
import { byId, element } from "./dom.js";
import { act } from "./feedback.js";
import { customerLabel } from "./labels.js";
import { refresh } from "./live.js";
import { allowedActions } from "./permissions.js";
import { agentsApi as api } from "./server.js";
import { store } from "./store.js";
import { reloadThread } from "./thread.js";
import { closeTransfer } from "./transfer.js";

const ui = {
  view: byId("thread-view"),
  claim: byId("claim"),
  transfer: byId("transfer"),
  handBack: byId("hand-back"),
  resolve: byId("resolve"),
  details: byId("details-toggle"),
  confirm: byId("resolve-dialog"),
  confirmText: byId("resolve-question"),
  confirmYes: byId("resolve-confirm"),
  confirmNo: byId("resolve-cancel"),
};

/** Show the buttons the open thread allows. */
export function renderActions() {
  const allowed = allowedActions(store.state.thread, store.state.me);
  ui.claim.hidden = !allowed.has("claim");
  ui.transfer.hidden = !allowed.has("transfer");
  ui.handBack.hidden = !allowed.has("hand_back");
  ui.resolve.hidden = !allowed.has("resolve");
  if (!allowed.has("transfer")) closeTransfer();
  if (!allowed.has("resolve") && ui.confirm.open) ui.confirm.close();
}

store.on("thread", renderActions);

/**
 * Run a move on the open thread, then show the thread as it is now.
 *
 * @param {HTMLButtonElement} button the move's button
 * @param {string} path the move's path under /threads/N/
 * @param {{moved?: (id: number) => void, shown?: (id: number) => void}} hooks
 *   called once the server made the move, and once the thread is shown again
 */
function move(button, path, { moved, shown } = {}) {
  const threadId = store.state.openId;
  return act(button, async () => {
    try {
      await api("POST", `/threads/${threadId}/${path}`);
      moved?.(threadId);
    } finally {
      refresh("queue");
      await reloadThread();
    }
    shown?.(threadId);
  }, renderActions);
}

ui.claim.addEventListener("click", () => move(ui.claim, "claim", {
  moved: (threadId) => store.state.known?.set(threadId, true), // no "assigned to you" for it
  shown: (threadId) => store.emit("claimed", threadId),
}));

// A thread the bot holds is for supervisors only: it leaves an agent's view.
ui.handBack.addEventListener("click", () => move(ui.handBack, "hand-back", {
  moved: () => store.set({ handedBack: true }),
}));

ui.resolve.addEventListener("click", () => {
  const thread = store.state.thread;
  if (!thread) return;
  ui.confirmText.replaceChildren(
    "Resolve the thread with ",
    element("strong", "", customerLabel(thread)),
    "? The customer gets the closing message and is asked to rate the help;"
    + " this cannot be undone.",
  );
  ui.confirm.showModal();
  ui.confirmYes.focus();
});

ui.confirmNo.addEventListener("click", () => ui.confirm.close());

ui.confirm.addEventListener("close", () => {
  if (!ui.resolve.hidden) ui.resolve.focus();
});

ui.confirm.addEventListener("submit", (event) => {
  event.preventDefault();
  ui.confirm.close();
  move(ui.resolve, "resolve");
});

document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape" || event.defaultPrevented || ui.confirm.open) return;
  if (ui.view.classList.contains("thread--details")) ui.details.click();
});
