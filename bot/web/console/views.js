// The tabs: Queue, Supervisor, Review. `showView` shows one panel and tells the store.
import { byId } from "./dom.js";
import { store } from "./store.js";

const tabs = [byId("tab-queue"), byId("tab-supervisor"), byId("tab-review")];
const panels = { queue: byId("queue-view"), supervisor: byId("supervisor-view"), review: byId("review-view") };

/** Show the view named "queue", "supervisor" or "review". */
export function showView(view) {
  for (const tab of tabs) {
    if (tab.dataset.view === view) tab.setAttribute("aria-current", "page");
    else tab.removeAttribute("aria-current");
  }
  for (const [name, panel] of Object.entries(panels)) panel.hidden = name !== view;
  store.set({ view });
}

for (const tab of tabs) tab.addEventListener("click", () => showView(tab.dataset.view));
