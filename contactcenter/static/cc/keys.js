// Keyboard shortcuts of the inbox (press ? for the list). Keys typed in a field stay in the
// field; Escape leaves it. No modifier combinations, so the browser's own keys keep working.
(() => {
  const inbox = document.getElementById("inbox");
  if (!inbox) return;

  const typing = (el) => el.closest("input, textarea, select, [contenteditable=true]");
  const items = () => Array.from(document.querySelectorAll("#conv-list .conv-item[data-conversation]"));

  function move(step) {
    const list = items();
    if (!list.length) return;
    const current = list.findIndex((li) => li.classList.contains("active"));
    const next = list[Math.min(Math.max(current + step, 0), list.length - 1)];
    if (current >= 0 && next === list[current]) return;
    next.querySelector("a").click();
    next.scrollIntoView({ block: "nearest" });
  }

  function focus(selector) {
    const el = document.querySelector(selector);
    if (el) el.focus();
    return Boolean(el);
  }

  function toggleHelp() {
    const help = document.getElementById("shortcuts");
    help.hidden = !help.hidden;
  }

  const keys = {
    j: () => move(1),
    ArrowDown: () => move(1),
    k: () => move(-1),
    ArrowUp: () => move(-1),
    r: () => focus("#reply-text") || focus("#conversation input[name=template]"),
    n: () => focus("#note-text"),
    "/": () => focus("#conv-search"),
    "?": toggleHelp,
  };

  document.addEventListener("keydown", (event) => {
    // Not a key another handler took (the saved-replies list), nor one being composed (IMEs),
    // nor autofill's key-less events.
    if (event.defaultPrevented || event.isComposing || !event.key) return;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target)) {
      if (event.key === "Escape") event.target.blur();
      return;
    }
    if (event.key === "Escape") {
      document.getElementById("shortcuts").hidden = true;
      return;
    }
    const action = keys[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  });

  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-shortcuts-toggle]")) toggleHelp();
  });
})();
