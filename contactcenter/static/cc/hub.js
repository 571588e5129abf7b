// The realtime hub client: one websocket per tab at /ws/.
// - Re-dispatches every server event as a DOM CustomEvent "hub:event" (detail = the event),
//   so pages react without knowing the socket (inbox.js, dashboard.js).
// - Remembers the last event seq (per company, gapless, in commit order) in sessionStorage and
//   asks for what it missed on reconnect ({"type": "hello", "last_seq": n}); on "resync" the
//   page reloads.
// - Pings every 20 s (keeps the agent's presence online) and reconnects with backoff.
(() => {
  if (!document.body || document.body.dataset.hub !== "on") return;
  const KEY = "cc.lastSeq";
  let socket = null;
  let retry = 0;
  let pinger = null;
  const seen = new Set(); // ids already dispatched (replays and live pushes can overlap)

  const lastId = () => Number(sessionStorage.getItem(KEY) || 0);

  function connect() {
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${window.location.host}/ws/`);
    socket.addEventListener("open", () => {
      retry = 0;
      document.body.dataset.hubState = "open";
      if (lastId()) socket.send(JSON.stringify({ type: "hello", last_seq: lastId() }));
      pinger = setInterval(() => socket.send(JSON.stringify({ type: "ping" })), 20000);
    });
    socket.addEventListener("message", (message) => {
      const data = JSON.parse(message.data);
      if (data.type === "resync") { sessionStorage.removeItem(KEY); window.location.reload(); return; }
      if (["hello", "pong", "error"].includes(data.type)) return;
      if (typeof data.seq === "number") { // an event of the log: once, and it moves the cursor
        if (seen.has(data.seq)) return;
        seen.add(data.seq);
        sessionStorage.setItem(KEY, String(Math.max(lastId(), data.seq)));
      }
      document.dispatchEvent(new CustomEvent("hub:event", { detail: data }));
    });
    socket.addEventListener("close", (event) => {
      clearInterval(pinger);
      document.body.dataset.hubState = "closed";
      if (event.code === 4401) return; // signed out: the next page load asks to sign in
      retry = Math.min(retry + 1, 6);
      setTimeout(connect, 500 * 2 ** retry);
    });
  }

  // The first cursor is "now": events older than this page are already in it.
  if (!lastId() && document.body.dataset.lastSeq) {
    sessionStorage.setItem(KEY, document.body.dataset.lastSeq);
  }
  connect();
})();
