// The realtime hub client: one websocket per tab at /ws/ (loaded by base.html, no inline code).
//
// Pages react to server events without knowing the socket:
//   document.addEventListener("hub:event", (e) => { e.detail /* the event */ });
// and may watch one conversation: window.ccHub.subscribe(id) / window.ccHub.unsubscribe(id)
// (kept across reconnects; the server refuses what the user may not see).
//
// Cursor: every event of the log carries `seq` (per company, gapless, in commit order). The
// first cursor is the page's own (<body data-last-seq>, taken before the page read its state);
// then the highest seq received, kept in sessionStorage ("cc.lastSeq"). A (re)connection goes to
// /ws/?last_seq=N: the server replays what this user may see after N, in order, then
// {"type": "caught_up", "last_seq": M} (the cursor becomes M), then live events; no event twice.
// {"type": "resync"} (N too old or too far behind) reloads the page.
// Gap: a live event whose seq is not cursor + 1 may follow pushes this tab lost (Redis restarted
// before the server joined its groups again) or events it may not see (another agent's
// conversation): the tab asks {"type": "catch_up", "last_seq": N} with N the cursor before the
// gap, at most once per 10 s and one at a time; the server replays what this user missed, then
// caught_up. A reconnect replays from before an unresolved gap too.
//
// Frames to the server: {"type": "ping"} every 20 s (keeps the agent online),
// {"type": "subscribe" | "unsubscribe", "conversation": id}, {"type": "catch_up", ...}.
// Close codes: 4401 signed out (or the session ended) and 4403 access changed -> reload (the
// page then asks to sign in); anything else -> reconnect with backoff (0.5 s doubling to 30 s,
// with jitter).
(() => {
  if (!document.body || document.body.dataset.hub !== "on") return;
  const KEY = "cc.lastSeq";
  const PING_MS = 20000;
  const CATCH_UP_EVERY_MS = 10000; // gaps are normal for an agent: catch-ups stay rare
  const watched = new Set();
  let socket = null;
  let retry = 0;
  let pinger = null;
  let replaying = false; // a replay runs: its gaps are other people's events, not losses
  let gapFrom = null; // the cursor before the first gap not caught up yet
  let catchUpTimer = null;
  let lastCatchUp = 0;

  const pageCursor = document.body.dataset.lastSeq;
  if (pageCursor !== undefined && pageCursor !== "") sessionStorage.setItem(KEY, pageCursor);

  const cursor = () => {
    const value = sessionStorage.getItem(KEY);
    return value === null ? null : Number(value);
  };
  const moveCursor = (seq) => {
    if (cursor() === null || seq > cursor()) sessionStorage.setItem(KEY, String(seq));
  };
  const send = (frame) => {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
  };

  function noteGap(after) {
    if (gapFrom === null || after < gapFrom) gapFrom = after;
    if (catchUpTimer !== null) return;
    const wait = Math.max(0, lastCatchUp + CATCH_UP_EVERY_MS - Date.now());
    catchUpTimer = setTimeout(() => {
      catchUpTimer = null;
      if (replaying || gapFrom === null) return; // the running replay covers it
      lastCatchUp = Date.now();
      replaying = true;
      send({ type: "catch_up", last_seq: gapFrom });
    }, wait);
  }

  function connect() {
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    const from = gapFrom !== null ? gapFrom : cursor();
    const query = from === null ? "" : `?last_seq=${from}`;
    replaying = from !== null;
    socket = new WebSocket(`${scheme}://${window.location.host}/ws/${query}`);
    socket.addEventListener("open", () => {
      retry = 0;
      document.body.dataset.hubState = "open";
      watched.forEach((id) => send({ type: "subscribe", conversation: id }));
      pinger = setInterval(() => send({ type: "ping" }), PING_MS);
    });
    socket.addEventListener("message", (message) => {
      const data = JSON.parse(message.data);
      if (data.type === "resync") {
        sessionStorage.removeItem(KEY);
        window.location.reload();
        return;
      }
      if (data.type === "caught_up") {
        moveCursor(data.last_seq);
        replaying = false;
        gapFrom = null;
        return;
      }
      if (["hello", "pong", "subscribed", "unsubscribed"].includes(data.type)) return;
      if (typeof data.seq === "number") {
        const before = cursor();
        if (!replaying && before !== null && data.seq > before + 1) noteGap(before);
        moveCursor(data.seq);
      }
      document.dispatchEvent(new CustomEvent("hub:event", { detail: data }));
    });
    socket.addEventListener("close", (event) => {
      clearInterval(pinger);
      document.body.dataset.hubState = "closed";
      if (event.code === 4401 || event.code === 4403) {
        window.location.reload();
        return;
      }
      retry = Math.min(retry + 1, 6);
      const delay = Math.min(30000, 500 * 2 ** retry);
      setTimeout(connect, delay / 2 + Math.random() * (delay / 2));
    });
  }

  window.ccHub = {
    subscribe(id) {
      watched.add(id);
      send({ type: "subscribe", conversation: id });
    },
    unsubscribe(id) {
      watched.delete(id);
      send({ type: "unsubscribe", conversation: id });
    },
  };
  connect();
})();
