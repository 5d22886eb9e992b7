// The chat page's "Share" dialog: makes, copies and revokes read-only links to the thread
// through /threads/{id}/shares. Everything shown is set as text, never as HTML.
"use strict";

{
  const dialog = document.getElementById("share-dialog");
  if (dialog) setUpSharing(dialog);
}

function setUpSharing(dialog) {
  const threadId = dialog.dataset.threadId;
  const list = document.getElementById("share-links");
  const empty = document.getElementById("share-empty");
  const error = document.getElementById("share-error");
  const status = document.getElementById("share-status");
  const create = document.getElementById("share-create");
  const base = `/threads/${encodeURIComponent(threadId)}/shares`;
  const unreachable = "Atrium could not be reached. Check your connection and try again.";

  const say = (element, message) => {
    element.textContent = message;
    element.hidden = !message;
  };
  const fail = (message) => { say(status, ""); say(error, message); };
  const tell = (message) => { say(error, ""); say(status, message); };

  async function copy(input) {
    try {
      await navigator.clipboard.writeText(input.value);
    } catch (_) {
      // No clipboard API outside HTTPS (or without permission): select the text instead.
      input.select();
      if (!document.execCommand("copy")) {
        return tell("Press Ctrl+C (or ⌘C) to copy the selected link.");
      }
    }
    tell("Link copied. Paste it into a message to a colleague.");
  }

  function row(share, index) {
    const item = document.createElement("li");
    const id = `share-url-${index}`;
    const label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = `Link made ${new Date(share.created_at).toLocaleString()}`;
    const input = document.createElement("input");
    input.id = id;
    input.readOnly = true;
    input.value = share.url;
    input.addEventListener("focus", () => input.select());
    const copyButton = document.createElement("button");
    copyButton.type = "button";
    copyButton.className = "secondary";
    copyButton.textContent = "Copy";
    copyButton.addEventListener("click", () => copy(input));
    const revoke = document.createElement("button");
    revoke.type = "button";
    revoke.className = "danger";
    revoke.textContent = "Revoke";
    revoke.addEventListener("click", async () => {
      if (!window.confirm("Revoke this link? Whoever has it can no longer read the chat.")) return;
      try {
        const response = await api("DELETE", `${base}/${encodeURIComponent(share.id)}`);
        if (!response.ok) return fail(await problem(response));
        await load();
        tell("Link revoked: it no longer opens the chat.");
      } catch (_) {
        fail(unreachable);
      }
    });
    const buttons = document.createElement("div");
    buttons.className = "actions";
    buttons.append(copyButton, revoke);
    item.append(label, input, buttons);
    return item;
  }

  async function load() {
    const response = await api("GET", base);
    if (!response.ok) return fail(await problem(response));
    const live = (await response.json()).filter((share) => !share.revoked_at);
    list.replaceChildren(...live.map(row));
    empty.hidden = live.length > 0;
  }

  document.getElementById("share-open").addEventListener("click", async () => {
    say(error, "");
    say(status, "");
    dialog.showModal();
    try {
      await load();
    } catch (_) {
      fail(unreachable);
    }
  });
  document.getElementById("share-close").addEventListener("click", () => dialog.close());

  create.addEventListener("click", async () => {
    create.disabled = true;
    try {
      const response = await api("POST", base);
      if (!response.ok) return fail(await problem(response));
      await load();
      tell("Link made. Copy it and send it to a colleague.");
      list.querySelector("input")?.focus();
    } catch (_) {
      fail(unreachable);
    } finally {
      create.disabled = false;
    }
  });
}
