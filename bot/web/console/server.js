// The two APIs the console talks to, through the one client in api.js. What happens
// when the server is unreachable or the session ended is told to the store
// ("offline", "answered", "unauthorized"); live.js and session.js act on it.
import { createClient } from "./api.js";
import { store } from "./store.js";

const hooks = {
  offline: () => store.emit("offline"),
  answered: () => store.emit("answered"),
  unauthorized: (message, path) => {
    if (path !== "/session") store.emit("unauthorized", message);
  },
};

/** The agents' API: queue, threads, presence, snippets. */
export const agentsApi = createClient("/agents/api", hooks);

/** The designers' API: review inbox, validation, training, templates. */
export const designerApi = createClient("/designer/api", hooks);
