// The chat page: streams a run's tokens as text (never as HTML), resumes a dropped stream with
// Last-Event-ID, then swaps in the server-rendered (sanitised) messages.
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
      wireDecisions();
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
      const response = await api("POST", "/threads", {
        metadata: { title: (userText || "New chat").slice(0, 80) },
      });
      if (!response.ok) return fail(await problem(response));
      threadId = (await response.json()).thread_id;
      root.dataset.threadId = threadId;
      history.replaceState(null, "", `/app/chat/${threadId}`);
    }
    if (body.assistant_id) localStorage.setItem(`atrium.assistant.${threadId}`, body.assistant_id);
    if (userText) bubble("user", userText);
    const target = bubble("assistant", "");
    if (send) send.disabled = true;
    runId = null;
    try {
      const response = await api("POST", `/threads/${threadId}/runs/stream`, {
        ...body,
        stream_mode: ["messages-tuple"],
      });
      if (!response.ok) {
        target.parentElement.remove();
        return fail(await problem(response));
      }
      await follow(response, target);
    } catch (_) {
      fail("Atrium could not be reached. Check your connection and try again.");
    } finally {
      if (send) send.disabled = false;
      if (stop) stop.hidden = true;
      runId = null;
    }
    // A new chat: load its page, which lists it with the others and offers rename and delete.
    if (created) return location.reload();
    try {
      await refreshMessages();
    } catch (_) {
      fail("The answer could not be loaded. Reload the page to see it.");
    }
  }

  // The assistant last used in a chat is picked again when the chat is opened.
  const remembered = threadId && localStorage.getItem(`atrium.assistant.${threadId}`);
  if (composer && remembered && composer.querySelector(`option[value="${CSS.escape(remembered)}"]`)) {
    composer.elements.assistant.value = remembered;
  }

  composer?.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = composer.elements.message.value.trim();
    if (!text) return;
    composer.elements.message.value = "";
    await run(
      { assistant_id: composer.elements.assistant.value, input: { messages: [{ role: "user", content: text }] } },
      text,
    );
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

  function wireDecisions() {
    for (const button of messages.querySelectorAll("button.decide")) {
      button.addEventListener("click", () => {
        const assistant = composer?.elements.assistant.value;
        run({ assistant_id: assistant, command: { resume: button.dataset.decision } }, null);
      });
    }
  }
  wireDecisions();

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
}
