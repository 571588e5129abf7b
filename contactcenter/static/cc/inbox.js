// The inbox reacts to the hub's events (hub.js dispatches `hub:event` on document):
// it refreshes the conversation list, and the open thread when the event concerns it.
(() => {
  const inbox = document.getElementById("inbox");
  if (!inbox || !window.htmx) return;
  let listTimer = null;

  function refreshList() {
    clearTimeout(listTimer);
    listTimer = setTimeout(() => {
      const url = new URL(inbox.dataset.listUrl, window.location.href);
      const open = document.querySelector("#conversation [data-conversation]");
      htmx.ajax("GET", url.pathname + url.search, { target: "#conv-list", swap: "innerHTML" }).then(() => {
        if (open) markActive(open.dataset.conversation);
      });
    }, 150);
  }

  function refreshThread(conversationId) {
    const open = document.querySelector("#conversation [data-conversation]");
    if (!open || open.dataset.conversation !== String(conversationId)) return;
    const thread = document.getElementById("thread");
    const nearBottom = thread && thread.scrollHeight - thread.scrollTop - thread.clientHeight < 80;
    htmx.ajax("GET", open.dataset.threadUrl, { target: "#thread", swap: "outerHTML" }).then(() => {
      if (nearBottom) scrollThread();
    });
  }

  function markActive(conversationId) {
    document.querySelectorAll(".conv-item").forEach((li) => {
      li.classList.toggle("active", li.dataset.conversation === String(conversationId));
    });
  }

  function scrollThread() {
    const thread = document.getElementById("thread");
    if (thread) thread.scrollTop = thread.scrollHeight;
  }

  function refreshAgentBar() {
    const bar = document.getElementById("agent-bar");
    if (bar) htmx.ajax("GET", inbox.dataset.agentBarUrl, { target: "#agent-bar", swap: "outerHTML" });
  }

  // Offers count down in the page; at zero the server has moved the offer on.
  setInterval(() => {
    document.querySelectorAll(".offer[data-expires]").forEach((offer) => {
      const left = Math.round((Date.parse(offer.dataset.expires) - Date.now()) / 1000);
      const label = offer.querySelector(".countdown");
      if (left <= 0) { offer.remove(); refreshAgentBar(); return; }
      if (label) label.textContent = `${left} s`;
    });
  }, 1000);

  // When the open conversation changes hands, its panel is drawn again: the composer and the
  // state buttons belong to its assignee only. One that left me altogether is closed.
  const HAND_CHANGES = ["assigned", "unassigned", "transferred", "taken_over"];
  const PANEL_CHANGES = [...HAND_CHANGES, "snooze_ended"];

  function refreshConversation(conversationId) {
    const open = document.querySelector("#conversation [data-conversation]");
    if (!open || open.dataset.conversation !== String(conversationId)) return;
    htmx.ajax("GET", open.dataset.url, { target: "#conversation", swap: "innerHTML" }).catch(() => {});
  }

  document.body.addEventListener("htmx:responseError", (event) => {
    const open = document.querySelector("#conversation [data-conversation]");
    if (open && event.detail.xhr.status === 404 && event.detail.target.id === "conversation") open.remove();
  });

  // A supervisor's whisper to me, or their taking over my conversation, pops up whichever
  // conversation I am looking at.
  function showToast(label, body, testid) {
    const toast = document.createElement("div");
    toast.className = "toast";
    toast.setAttribute("role", "status");
    toast.dataset.testid = testid;
    const title = document.createElement("strong");
    title.textContent = label;
    const text = document.createElement("p");
    text.textContent = body;
    toast.append(title, text);
    toast.addEventListener("click", () => toast.remove());
    document.body.append(toast);
    setTimeout(() => toast.remove(), 10000);
  }

  document.addEventListener("hub:event", (event) => {
    const data = event.detail || {};
    const detail = data.data || {};
    const me = inbox.dataset.user;
    if (data.type === "note_added" && detail.whisper && String(detail.private_to) === me) showToast(inbox.dataset.whisperLabel, detail.text || "", "whisper");
    if (data.type === "taken_over" && String(detail.from_agent) === me) showToast(inbox.dataset.takenOverLabel, "", "taken-over");
    refreshList();
    if (data.conversation && PANEL_CHANGES.includes(data.type)) refreshConversation(data.conversation);
    else if (data.conversation) refreshThread(data.conversation);
    if (["offered", "offer_expired", ...HAND_CHANGES].includes(data.type)) refreshAgentBar();
  });

  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target.id === "conversation") {
      const open = document.querySelector("#conversation [data-conversation]");
      if (open) markActive(open.dataset.conversation);
      scrollThread();
    }
  });

  // Ctrl+Enter (or Cmd+Enter) sends the reply.
  document.addEventListener("keydown", (event) => {
    const el = event.target;
    if (el.matches("[data-submit-on-ctrl-enter]") && event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      el.form.requestSubmit();
    }
  });

  // SLA badges and waiting times age without events: redraw the list now and then.
  setInterval(refreshList, 30000);

  scrollThread();
})();
