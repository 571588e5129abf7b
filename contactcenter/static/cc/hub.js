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
//
// Frames to the server: {"type": "ping"} every 20 s (keeps the agent online),
// {"type": "subscribe" | "unsubscribe", "conversation": id}.
// Close codes: 4401 signed out and 4403 access changed -> reload (the server asks to sign in);
// anything else -> reconnect with backoff (0.5 s doubling to 30 s, with jitter).
(() => {
  if (!document.body || document.body.dataset.hub !== "on") return;
  const KEY = "cc.lastSeq";
  const PING_MS = 20000;
  const watched = new Set();
  let socket = null;
  let retry = 0;
  let pinger = null;

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

  function connect() {
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    const query = cursor() === null ? "" : `?last_seq=${cursor()}`;
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
        return;
      }
      if (["hello", "pong", "subscribed", "unsubscribed"].includes(data.type)) return;
      if (typeof data.seq === "number") moveCursor(data.seq);
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
