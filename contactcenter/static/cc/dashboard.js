// The supervisor dashboard refreshes its tiles when the hub reports a change (debounced),
// and every 15 s so waiting times keep moving.
(() => {
  const board = document.getElementById("dashboard");
  if (!board || !window.htmx) return;
  let timer = null;
  const refresh = () => {
    clearTimeout(timer);
    timer = setTimeout(() => htmx.ajax("GET", board.dataset.refreshUrl, { target: "#dashboard", swap: "innerHTML" }), 200);
  };
  document.addEventListener("hub:event", refresh);
  setInterval(refresh, 15000);
})();
