// The server's time, for waits and SLA countdowns. The server stamps every thread by its
// own clock, which a simulation runs faster than the browser's: GET /health gives that
// clock and its factor once, and the console counts on from there (real time otherwise).

let anchor = { server: null, local: 0, factor: 1 };

/** Read the server's clock (once, at start; the browser's clock if it can't be read). */
export async function syncClock() {
  try {
    const health = await (await fetch("/health", { cache: "no-store" })).json();
    const server = Date.parse(health.clock);
    if (!Number.isNaN(server)) {
      anchor = { server, local: Date.now(), factor: Number(health.clock_factor) || 1 };
    }
  } catch {
    // keep the browser's clock
  }
}

/** Milliseconds since the epoch on the server's clock, now. */
export function serverNow() {
  if (anchor.server === null) return Date.now();
  return anchor.server + (Date.now() - anchor.local) * anchor.factor;
}
