// The chat page: streams a run's tokens as text (never as HTML), resumes a dropped stream with
// Last-Event-ID, then swaps in the server-rendered (sanitised) messages. Also: approve, edit or
// reject a paused tool call, regenerate the last answer or edit an earlier message (a run from
// the checkpoint before it: a new branch), a model override, and files attached to the chat.
"use strict";

{
  const conversation = document.getElementById("conversation");
  if (conversation) setUpChat(conversation);
}

function setUpChat(root) {
  const messages = document.getElementById("messages");
  const composer = document.getElementById("composer");
  const stop = document.getElementById("stop");
  const send = document.getElementById("send");
  const chatError = document.getElementById("chat-error");
  let threadId = root.dataset.threadId;
  let runId = null;
  // A run is under way: the messages' own buttons (regenerate, edit, approve) wait for it.
  let busy = false;

  const fail = (message) => {
    if (!chatError) return window.alert(message);
    chatError.textContent = message;
    chatError.hidden = !message;
  };

  const bubble = (role, text) => {
    messages.querySelector(".empty")?.remove();
    const article = document.createElement("article");
    article.className = `message ${role}`;
    const who = document.createElement("h2");
    who.className = "who";
    who.textContent = role === "user" ? "You" : "Assistant";
    const body = document.createElement("div");
    body.className = "text plain";
    body.textContent = text;
    article.append(who, body);
    messages.append(article);
    article.scrollIntoView({ block: "end" });
    return body;
  };

  async function refreshMessages() {
    const response = await fetch(`/app/chat/${threadId}/messages`, { credentials: "same-origin" });
    if (response.ok) {
      // Server-rendered and sanitised (nh3): the only HTML that enters the page.
      messages.innerHTML = await response.text();
    }
  }

  // Reads an SSE body, calling onEvent(name, data, id) for each event, until the body ends
  // or the connection drops.
  async function readEvents(response, onEvent) {
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        let cut;
        while ((cut = buffer.indexOf("\n\n")) >= 0) {
          const frame = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          let name = "message", data = "", id = null;
          for (const line of frame.split("\n")) {
            if (line.startsWith("event: ")) name = line.slice(7);
            else if (line.startsWith("data: ")) data += line.slice(6);
            else if (line.startsWith("id: ")) id = line.slice(4);
          }
          if (data) onEvent(name, JSON.parse(data), id);
        }
      }
    } catch (_) {
      // The connection dropped: the caller joins the run's stream again.
    }
  }

  // Shows a run's streamed tokens as text. A run's stream always closes with an `end` event;
  // a body that stops before it was cut, so the run's stream is joined again after the last
  // event seen (Last-Event-ID): every event is stored, none is lost or shown twice.
  async function follow(response, target) {
    let lastId = null;
    let ended = false;
    const onEvent = (name, data, id) => {
      if (id !== null) lastId = id;
      if (name === "metadata" && data.run_id) {
        runId = data.run_id;
        if (stop) stop.hidden = false;
      }
      if (name === "end") ended = true;
      if (name === "error") fail(data?.message || "The run failed.");
      if (name === "citations") showCitations(target, data?.citations);
      if (name === "messages") {
        const [chunk] = data;
        if (chunk && /^(ai|AIMessageChunk)$/.test(chunk.type) && typeof chunk.content === "string") {
          target.textContent += chunk.content;
        }
      }
    };
    await readEvents(response, onEvent);
    for (let attempt = 0; !ended && runId && attempt < 10; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      let again;
      try {
        again = await fetch(
          `/threads/${threadId}/runs/${runId}/stream?stream_mode=messages-tuple`,
          { credentials: "same-origin", headers: lastId ? { "Last-Event-ID": lastId } : {} },
        );
      } catch (_) {
        continue;
      }
      if (!again.ok) break;
      await readEvents(again, onEvent);
    }
    if (!ended) fail("The connection was lost. Reload the page to see the answer.");
  }

  async function run(body, userText) {
    fail("");
    const created = !threadId;
    if (created) {
      const thread = { metadata: { title: (userText || "New chat").slice(0, 80) } };
      // Started from a project's chat list: the chat joins that project.
      if (root.dataset.projectId) thread.project_id = root.dataset.projectId;
      const response = await api("POST", "/threads", thread);
      if (!response.ok) return fail(await problem(response));
      threadId = (await response.json()).thread_id;
      root.dataset.threadId = threadId;
      const inProject = root.dataset.projectId ? `?project=${encodeURIComponent(root.dataset.projectId)}` : "";
      history.replaceState(null, "", `/app/chat/${threadId}${inProject}`);
    }
    if (body.assistant_id) localStorage.setItem(`atrium.assistant.${threadId}`, body.assistant_id);
    const model = composer?.elements.model?.value;
    if (model) body = { ...body, context: { model } };
    localStorage.setItem(`atrium.model.${threadId}`, model || "");
    busy = true;
    if (userText) bubble("user", userText);
    const target = bubble("assistant", "");
    if (send) send.disabled = true;
    runId = null;
    let refused = false;
    try {
      const response = await api("POST", `/threads/${threadId}/runs/stream`, {
        ...body,
        stream_mode: ["messages-tuple"],
      });
      if (response.ok) {
        await follow(response, target);
      } else {
        // Refused (a quota, a bad edit, ...): the refresh below shows the thread as it is.
        refused = true;
        target.parentElement.remove();
        fail(await problem(response));
      }
    } catch (_) {
      fail("Atrium could not be reached. Check your connection and try again.");
    } finally {
      if (stop) stop.hidden = true;
      runId = null;
    }
    // A new chat: load its page, which lists it with the others and offers rename and delete.
    if (created && !refused) return location.reload();
    try {
      await refreshMessages();
    } catch (_) {
      fail("The answer could not be loaded. Reload the page to see it.");
    } finally {
      // Only now: the buttons on the messages shown until the refresh were the old ones'.
      busy = false;
      if (send) send.disabled = false;
    }
  }

  // The assistant last used in a chat is picked again when the chat is opened.
  const remembered = threadId && localStorage.getItem(`atrium.assistant.${threadId}`);
  if (composer && remembered && composer.querySelector(`option[value="${CSS.escape(remembered)}"]`)) {
    composer.elements.assistant.value = remembered;
  }
  const rememberedModel = threadId && localStorage.getItem(`atrium.model.${threadId}`);
  const modelPicker = composer?.elements.model;
  if (modelPicker && rememberedModel && modelPicker.querySelector(`option[value="${CSS.escape(rememberedModel)}"]`)) {
    modelPicker.value = rememberedModel;
  }
  modelPicker?.addEventListener("change", () => {
    if (threadId) localStorage.setItem(`atrium.model.${threadId}`, modelPicker.value);
  });

  const assistantId = () => composer?.elements.assistant.value;

  composer?.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = composer.elements.message.value.trim();
    if (!text) return;
    composer.elements.message.value = "";
    await run({ assistant_id: assistantId(), input: { messages: [{ role: "user", content: text }] } }, text);
  });

  composer?.elements.message.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      composer.requestSubmit();
    }
  });

  stop?.addEventListener("click", async () => {
    if (!runId) return;
    const response = await api("POST", `/threads/${threadId}/runs/${runId}/cancel`);
    if (!response.ok && response.status !== 404) fail(await problem(response));
  });

  // A new branch: the messages from `article` on are replaced by the answer to `text`, which
  // a run started from the checkpoint before them gives.
  // The checkpoint is looked up when asked for (walking a thread's checkpoints costs more
  // than the page itself), by the message's index in the thread.
  async function branch(article, index, text) {
    if (!assistantId()) return fail("Pick an assistant first.");
    fail("");
    let checkpoint;
    try {
      const found = await fetch(`/app/chat/${threadId}/fork-point?index=${encodeURIComponent(index)}`, { credentials: "same-origin" });
      if (found.status === 404) {
        return fail("This message is too old to edit or answer again: its checkpoint is no longer kept.");
      }
      if (!found.ok) return fail(`The server answered ${found.status}. Try again in a moment.`);
      checkpoint = (await found.json()).checkpoint_id;
    } catch (_) {
      return fail("Atrium could not be reached. Check your connection and try again.");
    }
    while (article.nextElementSibling) article.nextElementSibling.remove();
    article.remove();
    await run(
      { assistant_id: assistantId(), checkpoint_id: checkpoint, input: { messages: [{ role: "user", content: text }] } },
      text,
    );
  }

  // The messages are swapped in whole after every run, so their buttons are handled here,
  // on the container that stays.
  messages.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button || !messages.contains(button) || busy) return;
    const article = button.closest("article.message");
    const pending = button.closest(".pending");
    if (button.classList.contains("decide")) {
      run({ assistant_id: assistantId(), command: { resume: button.dataset.decision } }, null);
    } else if (button.classList.contains("edit-call")) {
      const form = pending.querySelector(".edit-call-form");
      form.hidden = false;
      form.elements.args.focus();
    } else if (button.classList.contains("regenerate")) {
      const question = [...messages.querySelectorAll("article.message.user")].pop();
      if (question) branch(question, button.dataset.index, button.dataset.text);
    } else if (button.classList.contains("edit-message")) {
      const form = article.querySelector(".edit-form");
      form.hidden = false;
      form.elements.text.focus();
    } else if (button.classList.contains("cancel-edit")) {
      button.closest("form").hidden = true;
    }
  });

  // A corrected input no longer shows the error about the old one.
  messages.addEventListener("input", (event) => {
    const form = event.target.closest(".edit-call-form");
    if (form) showError(form, "");
  });

  messages.addEventListener("submit", (event) => {
    const form = event.target;
    event.preventDefault();
    if (busy) return;
    if (form.classList.contains("edit-call-form")) {
      let args;
      try {
        args = JSON.parse(form.elements.args.value);
      } catch (_) {
        return showError(form, "The tool input is not valid JSON. Check the quotes, commas and braces.");
      }
      if (args === null || typeof args !== "object" || Array.isArray(args)) {
        return showError(form, "The tool input must be a JSON object, like {\"expression\": \"6*7\"}.");
      }
      showError(form, "");
      run({ assistant_id: assistantId(), command: { resume: { action: "edit", args } } }, null);
    } else if (form.classList.contains("edit-form")) {
      const text = form.elements.text.value.trim();
      if (!text) return;
      const article = form.closest("article.message");
      branch(article, article.dataset.index, text);
    }
  });

  document.getElementById("rename")?.addEventListener("click", () => {
    const form = document.getElementById("rename-form");
    form.hidden = !form.hidden;
    if (!form.hidden) form.elements.title.focus();
  });
  document.getElementById("rename-form")?.addEventListener("submit", async (event) => {
    event.preventDefault();
    const title = event.target.elements.title.value.trim();
    const response = await api("PATCH", `/threads/${threadId}`, { metadata: { title } });
    if (response.ok) location.reload();
    else fail(await problem(response));
  });
  document.getElementById("delete-thread")?.addEventListener("click", async () => {
    if (!window.confirm("Delete this chat and all its messages?")) return;
    const response = await api("DELETE", `/threads/${threadId}`);
    if (response.ok) location.assign("/app/chat");
    else fail(await problem(response));
  });
  setUpFiles(() => threadId);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// The sources of a streamed answer, as text and links built from ids only (the page swaps in
// the server's rendering when the run ends).
function showCitations(target, citations) {
  if (!Array.isArray(citations) || !citations.length) return;
  const article = target.closest("article");
  article.querySelector(".citations")?.remove();
  const box = document.createElement("div");
  box.className = "citations";
  const heading = document.createElement("h3");
  heading.textContent = "Sources";
  const list = document.createElement("ol");
  const threadId = document.getElementById("conversation")?.dataset.threadId;
  for (const c of citations) {
    const item = document.createElement("li");
    let href = null;
    if (UUID.test(c.file_id || "") && UUID.test(c.knowledge_base_id || "")) {
      href = `/knowledge/${c.knowledge_base_id}/files/${c.file_id}/content`;
    } else if (UUID.test(c.file_id || "") && c.thread_id && c.thread_id === threadId) {
      href = `/app/chat/${threadId}/files/${c.file_id}/content`;
    }
    const name = href ? document.createElement("a") : document.createElement("span");
    if (href) name.href = href;
    name.textContent = String(c.file_name || "a file");
    item.append(name);
    if (Number.isInteger(c.page)) item.append(`, page ${c.page}`);
    if (c.snippet) {
      const quote = document.createElement("blockquote");
      quote.className = "snippet";
      quote.textContent = String(c.snippet);
      item.append(quote);
    }
    list.append(item);
  }
  box.append(heading, list);
  article.append(box);
}

// Files attached to the chat: uploaded with progress (XHR: fetch cannot report an upload's
// progress), then their ingestion status polled until each is ready or failed.
function setUpFiles(currentThread) {
  const form = document.getElementById("attach-form");
  const list = document.getElementById("thread-files");
  const none = document.getElementById("no-files");
  const progress = document.getElementById("attach-progress");
  if (!form || !list) return;
  const STATUS = { queued: "queued", parsing: "reading", embedding: "indexing", ready: "ready", failed: "failed" };
  let polling = null;

  const row = (file) => {
    let item = list.querySelector(`li[data-file-id="${CSS.escape(file.id)}"]`);
    if (!item) {
      item = document.createElement("li");
      item.dataset.fileId = file.id;
      const link = document.createElement("a");
      link.href = `/app/chat/${currentThread()}/files/${file.id}/content`;
      link.textContent = file.name;
      const status = document.createElement("span");
      status.className = "status";
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "secondary remove-file";
      remove.textContent = "Remove";
      item.append(link, " ", status, " ", remove);
      list.append(item);
    }
    item.dataset.status = file.status;
    let label = STATUS[file.status] || file.status;
    if (file.status === "embedding" && file.chunks_total) label += ` ${file.chunks_done} of ${file.chunks_total}`;
    if (file.status === "failed" && file.error) label += `: ${file.error}`;
    item.querySelector(".status").textContent = label;
    if (none) none.hidden = true;
  };

  const unfinished = () => [...list.querySelectorAll("li")].some(
    (li) => li.dataset.status !== "ready" && li.dataset.status !== "failed",
  );

  async function poll() {
    polling = null;
    const response = await fetch(`/threads/${currentThread()}/files`, { credentials: "same-origin" });
    if (!response.ok) return;
    for (const file of await response.json()) row(file);
    if (unfinished()) polling = setTimeout(poll, 1000);
  }
  const watch = () => { if (!polling && unfinished()) polling = setTimeout(poll, 500); };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const input = form.elements.files;
    if (!input.files.length) return showError(form, "Choose a file to attach.");
    showError(form, "");
    const data = new FormData();
    for (const file of input.files) data.append("files", file);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/threads/${currentThread()}/files`);
    xhr.setRequestHeader("X-CSRF-Token", document.querySelector('meta[name="csrf-token"]')?.content || "");
    progress.hidden = false;
    progress.value = 0;
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) progress.value = Math.round((100 * e.loaded) / e.total); };
    xhr.onerror = () => { progress.hidden = true; showError(form, "The upload failed. Check your connection and try again."); };
    xhr.onload = async () => {
      progress.hidden = true;
      if (xhr.status >= 200 && xhr.status < 300) {
        for (const file of JSON.parse(xhr.responseText)) row(file);
        input.value = "";
        watch();
      } else {
        showError(form, await problem(new Response(xhr.responseText, { status: xhr.status })));
      }
    };
    xhr.send(data);
  });

  list.addEventListener("click", async (event) => {
    const button = event.target.closest("button.remove-file");
    if (!button) return;
    const item = button.closest("li");
    if (!window.confirm("Remove this file from the chat?")) return;
    const response = await api("DELETE", `/threads/${currentThread()}/files/${item.dataset.fileId}`);
    if (response.ok || response.status === 404) {
      item.remove();
      if (none) none.hidden = list.children.length > 0;
    } else {
      showError(form, await problem(response));
    }
  });

  watch();
}
