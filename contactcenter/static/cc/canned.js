// Saved replies in the composer: typing "/word" lists the matching responses, already filled in
// for this conversation by the server; Enter or Tab (or a click) puts one in place of "/word".
// Items are built with textContent: a response's text is never read as HTML.
(() => {
  const TRIGGER = /(^|\s)\/([\w-]{0,40})$/;
  let timer = null;
  let results = [];
  let selected = 0;

  const box = () => document.getElementById("reply-text");
  const menu = () => document.getElementById("canned-menu");
  const isOpen = () => menu() && !menu().hidden;

  function query(textarea) {
    const before = textarea.value.slice(0, textarea.selectionStart);
    const match = before.match(TRIGGER);
    return match ? { word: match[2], start: before.length - match[2].length - 1 } : null;
  }

  function close() {
    const list = menu();
    if (list) { list.hidden = true; list.replaceChildren(); }
    results = [];
  }

  function draw() {
    const list = menu();
    list.replaceChildren();
    if (!results.length) {
      const empty = document.createElement("li");
      empty.className = "muted";
      empty.textContent = list.dataset.empty;
      list.append(empty);
    }
    results.forEach((item, i) => {
      const li = document.createElement("li");
      li.setAttribute("role", "option");
      li.id = `canned-${i}`;
      li.dataset.index = i;
      li.setAttribute("aria-selected", i === selected ? "true" : "false");
      const name = document.createElement("strong");
      name.textContent = `/${item.shortcut}`;
      const title = document.createElement("span");
      title.textContent = ` ${item.title}`;
      const text = document.createElement("span");
      text.className = "canned-preview";
      text.textContent = item.text;
      li.append(name, title, text);
      list.append(li);
    });
    list.hidden = false;
    box().setAttribute("aria-activedescendant", results.length ? `canned-${selected}` : "");
  }

  async function lookup(textarea, word) {
    const url = new URL(textarea.dataset.cannedUrl, window.location.href);
    url.searchParams.set("q", word);
    const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    if (!response.ok) return close();
    if (!query(textarea)) return close(); // the agent typed on meanwhile
    results = (await response.json()).results;
    selected = 0;
    draw();
  }

  function insert(index) {
    const textarea = box();
    const found = query(textarea);
    const item = results[index];
    if (!found || !item) return close();
    const end = textarea.selectionStart;
    textarea.setRangeText(item.text, found.start, end, "end");
    close();
    textarea.focus();
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  document.addEventListener("input", (event) => {
    const textarea = event.target;
    if (textarea.id !== "reply-text" || !textarea.dataset.cannedUrl) return;
    const found = query(textarea);
    clearTimeout(timer);
    if (!found) return close();
    timer = setTimeout(() => lookup(textarea, found.word), 120);
  });

  // Capture phase: while the list is open, its keys are not the page's shortcuts.
  document.addEventListener("keydown", (event) => {
    if (event.target.id !== "reply-text" || !isOpen()) return;
    const keys = {
      ArrowDown: () => { selected = (selected + 1) % Math.max(results.length, 1); draw(); },
      ArrowUp: () => { selected = (selected - 1 + results.length) % Math.max(results.length, 1); draw(); },
      Enter: () => insert(selected),
      Tab: () => insert(selected),
      Escape: () => close(),
    };
    if (!keys[event.key] || event.ctrlKey || event.metaKey) return;
    if ((event.key === "Enter" || event.key === "Tab") && !results.length) return close();
    event.preventDefault();
    event.stopImmediatePropagation();
    keys[event.key]();
  }, true);

  document.addEventListener("mousedown", (event) => {
    const option = event.target.closest("#canned-menu [role=option]");
    if (option) {
      event.preventDefault(); // keep the caret in the reply box
      insert(Number(option.dataset.index));
    } else if (isOpen() && !event.target.closest("#canned-menu")) {
      close();
    }
  });
})();
