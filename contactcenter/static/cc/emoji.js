// A small emoji picker for the reply box: a fixed set (nothing is fetched), inserted at the
// caret. Delegated listeners, so it keeps working after HTMX swaps the conversation.
(() => {
  const EMOJI = [
    "😀", "😃", "😄", "😁", "😊", "🙂", "😉", "😍", "🥰", "😘", "😅", "😂",
    "🤣", "😇", "🤔", "🤗", "😌", "😎", "🙃", "😐", "😕", "😢", "😭", "😮",
    "😱", "😡", "🙏", "👍", "👎", "👏", "🙌", "👋", "🤝", "💪", "👌", "✌️",
    "❤️", "💙", "💚", "⭐", "✨", "🎉", "🎁", "🔥", "✅", "❌", "⚠️", "📦",
  ];

  function picker() {
    let panel = document.getElementById("emoji-panel");
    if (panel) return panel;
    panel = document.createElement("div");
    panel.id = "emoji-panel";
    panel.className = "emoji-panel";
    panel.setAttribute("role", "dialog");
    panel.hidden = true;
    for (const emoji of EMOJI) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "emoji";
      button.textContent = emoji;
      button.dataset.emoji = emoji;
      panel.append(button);
    }
    return panel;
  }

  function close() {
    const panel = document.getElementById("emoji-panel");
    if (panel) panel.hidden = true;
  }

  function insert(emoji) {
    const box = document.getElementById("reply-text");
    if (!box) return;
    box.setRangeText(emoji, box.selectionStart, box.selectionEnd, "end");
    box.focus();
    box.dispatchEvent(new Event("input", { bubbles: true }));
    close();
  }

  document.addEventListener("click", (event) => {
    const toggle = event.target.closest("[data-emoji-toggle]");
    const choice = event.target.closest("#emoji-panel [data-emoji]");
    if (toggle) {
      const panel = picker();
      panel.setAttribute("aria-label", toggle.getAttribute("aria-label"));
      toggle.after(panel);
      panel.hidden = !panel.hidden;
    } else if (choice) {
      insert(choice.dataset.emoji);
    } else if (!event.target.closest("#emoji-panel")) {
      close();
    }
  });

  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") close();
  });
})();
