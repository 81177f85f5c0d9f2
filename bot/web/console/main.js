// The Fernhill agent console: sign in, watch the queue, take threads over; designers
// review what the bot missed. Native ES modules, served as they are:
//
//   api.js          the one HTTP client (agents' and designers' APIs)
//   server.js       the two clients, wired to the store
//   store.js        the state and the signals between panels
//   permissions.js  what the agent may do on a thread (the API's allowed_actions)
//   live.js         the event stream, debounced refreshes, the connection banner
//   session.js      sign in and out, start and stop
//   queue.js, thread.js, transcript.js, actions.js, transfer.js, composer.js,
//   canned.js, presence.js, supervisor.js, snippets.js, notify.js, views.js  panels
//   review.js, templates.js  the Review tab
//   dom.js, labels.js, feedback.js, clock.js  shared helpers (clock.js: the server's time)
import "./actions.js";
import "./composer.js";
import "./supervisor.js";
import "./snippets.js";
import "./review.js";
import "./templates.js";
import { boot } from "./session.js";

boot();
