// The tabs: Queue, Supervisor, Review, Reports. `showView` shows one panel and tells the store.
import { byId } from "./dom.js";
import { mountReports } from "./reports.js";
import { store } from "./store.js";

const tabs = [byId("tab-queue"), byId("tab-supervisor"), byId("tab-review"), byId("tab-reports")];
const panels = {
  queue: byId("queue-view"),
  supervisor: byId("supervisor-view"),
  review: byId("review-view"),
  reports: byId("reports-view"),
};
let reportsShown = false;

/** Show the view named "queue", "supervisor", "review" or "reports". */
export function showView(view) {
  for (const tab of tabs) {
    if (tab.dataset.view === view) tab.setAttribute("aria-current", "page");
    else tab.removeAttribute("aria-current");
  }
  for (const [name, panel] of Object.entries(panels)) panel.hidden = name !== view;
  if (view === "reports" && !reportsShown) {
    reportsShown = true; // drawn once; its own form refreshes it
    mountReports(panels.reports);
  }
  store.set({ view });
}

store.on("leave", () => {
  reportsShown = false;
  panels.reports.replaceChildren();
  delete panels.reports.dataset.ready;
});

for (const tab of tabs) tab.addEventListener("click", () => showView(tab.dataset.view));
