// The assistant pages: the form's JSON body (model, tool policies, knowledge bases, limits),
// switching versions, deleting, and the "Try it" side chat, which streams with chat.js's own
// setUpChat once a try-out thread exists.
"use strict";

{
  const LIMITS = ["temperature", "max_tokens", "max_steps", "max_run_tokens", "max_seconds"];

  // Replaces app.js's body for data-kind="assistant": the fields as AssistantContext names them.
  bodies.assistant = (form) => {
    const data = new FormData(form);
    const context = { instructions: String(data.get("instructions") || "").trim() };
    let model = String(data.get("model") || "");
    if (model === "other") model = String(data.get("model_other") || "").trim();
    const editing = form.dataset.method === "PATCH";
    if (model) context.model = model;
    else if (editing) context.model = null;  // "the default model" again
    // An emptied limit is sent as null, which PATCH reads as "remove it" (merge patch).
    for (const name of LIMITS) {
      const value = String(data.get(name) ?? "").trim();
      if (value !== "") context[name] = Number(value);
      else if (editing) context[name] = null;
    }
    context.tools = [];
    for (const select of form.querySelectorAll("select[data-tool]")) {
      if (select.disabled || select.value === "off") continue;
      const tool = { name: select.dataset.tool, policy: select.value };
      // A tool's configuration (set through the API) is kept as it was.
      if (select.dataset.config) tool.config = JSON.parse(select.dataset.config);
      context.tools.push(tool);
    }
    context.knowledge_bases = data.getAll("knowledge_bases").map(String);
    const body = { name: String(data.get("name") || "").trim(), context };
    // "No project" is null: on an edit it takes the assistant out of its project.
    if (form.elements.project_id) body.project_id = String(data.get("project_id") || "") || null;
    return body;
  };

  const model = document.getElementById("model");
  const other = document.getElementById("model-other-field");
  model?.addEventListener("change", () => {
    other.hidden = model.value !== "other";
    if (!other.hidden) document.getElementById("model-other").focus();
  });

  const versions = document.getElementById("versions");
  const versionsError = document.getElementById("versions-error");
  for (const button of document.querySelectorAll("button.use-version")) {
    button.addEventListener("click", async () => {
      button.disabled = true;
      versionsError.hidden = true;
      try {
        const response = await api("POST", `/assistants/${versions.dataset.assistantId}/latest`, {
          version: Number(button.dataset.version),
        });
        // Without `?saved=N`: the notice of the last save no longer names the version in use.
        if (response.ok) return location.assign(location.pathname);
        versionsError.textContent = await problem(response);
      } catch (_) {
        versionsError.textContent = "Atrium could not be reached. Check your connection and try again.";
      }
      versionsError.hidden = false;
      button.disabled = false;
    });
  }

  const remove = document.getElementById("delete-assistant");
  remove?.addEventListener("click", async () => {
    if (!window.confirm("Delete this assistant and all its versions? Its chats stay.")) return;
    const response = await api("DELETE", remove.dataset.url);
    if (response.ok) location.assign("/app/assistants");
    else showError(document.getElementById("assistant-form"), await problem(response));
  });

  // The side chat. chat.js's setUpChat(root) streams into #messages from #composer for the
  // thread in root.dataset.threadId; without one it would create an ordinary chat and move to
  // the chat page. So the first message creates a thread marked as a try-out here, then hands
  // the conversation to setUpChat, which sends that message and every later one.
  const tryout = document.getElementById("try");
  const composer = document.getElementById("composer");
  if (tryout && composer && typeof setUpChat === "function") {
    const chatError = document.getElementById("chat-error");
    let ready = false;
    let starting = false;
    const start = async (event) => {
      if (ready) return; // setUpChat's own handler sends it
      event.preventDefault();
      if (starting || !composer.elements.message.value.trim()) return;
      starting = true;
      chatError.hidden = true;
      const send = document.getElementById("send");
      send.disabled = true;
      try {
        const response = await api("POST", "/threads", {
          metadata: {
            title: `Try-out: ${tryout.dataset.assistantName}`.slice(0, 200),
            try_out: true,
            assistant_id: composer.elements.assistant.value,
          },
        });
        if (!response.ok) throw new Error(await problem(response));
        const threadId = (await response.json()).thread_id;
        tryout.dataset.threadId = threadId;
        const open = document.getElementById("open-try");
        open.href = `/app/chat/${threadId}`;
        open.hidden = false;
        ready = true;
        setUpChat(tryout);
      } catch (error) {
        chatError.textContent = error instanceof TypeError
          ? "Atrium could not be reached. Check your connection and try again."
          : error.message;
        chatError.hidden = false;
      } finally {
        starting = false;
        send.disabled = false;
      }
      if (ready) composer.requestSubmit();
    };
    composer.addEventListener("submit", start);
    composer.elements.message.addEventListener("keydown", (event) => {
      if (!ready && event.key === "Enter" && !event.shiftKey) {
        event.preventDefault();
        composer.requestSubmit();
      }
    });
  }
}
