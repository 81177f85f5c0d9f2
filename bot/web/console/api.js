// The one HTTP client of the console's pages: JSON in and out, the session cookie,
// errors as `ApiError` with the server's own words.
//
// Both the agents' API (/agents/api) and the designers' (/designer/api) are reached
// through `createClient`; what a page does when the server is unreachable or the
// session ended is passed in as hooks, so no page copies this file.

/** A refused or failed call: `status` is the HTTP status (0 when the server is unreachable). */
export class ApiError extends Error {
  /**
   * @param {string} message the server's reason, as a sentence
   * @param {number} status the HTTP status, 0 when unreachable
   * @param {object|null} data the decoded body, if any
   */
  constructor(message, status, data = null) {
    super(message);
    this.status = status;
    this.data = data;
  }
}

const OFFLINE = "Can't reach the server. The console keeps trying to reconnect.";

function sentence(text) {
  return text ? text.charAt(0).toUpperCase() + text.slice(1) : text;
}

/**
 * A function `api(method, path, body)` for the API under `base`.
 *
 * @param {string} base the API's path prefix, e.g. "/agents/api"
 * @param {{offline?: () => void, answered?: () => void,
 *          unauthorized?: (message: string, path: string) => void}} hooks
 *   called when the server cannot be reached, when it answered, and on a 401
 * @returns {(method: string, path: string, body?: object) => Promise<any>}
 */
export function createClient(base, hooks = {}) {
  return async function api(method, path, body) {
    const headers = { "X-Requested-With": "fernhill-console" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(base + path, {
        method, headers, credentials: "same-origin",
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (_offline) {
      hooks.offline?.();
      throw new ApiError(OFFLINE, 0);
    }
    hooks.answered?.();
    let data = null;
    if (response.status !== 204) {
      try {
        data = await response.json();
      } catch (_notJson) {
        data = null;
      }
    }
    if (response.ok) return data;
    const message = data && typeof data.error === "string"
      ? sentence(data.error) : `The server answered ${response.status}.`;
    if (response.status === 401) hooks.unauthorized?.(message, path);
    throw new ApiError(message, response.status, data);
  };
}
