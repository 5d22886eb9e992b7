// Atrium's dashboard script, loaded by every page. It calls the same JSON API as the SDKs, with
// the session cookie and the session's CSRF token. A page's own script (chat.js, ...) is loaded
// after it and uses its globals (`api`, `problem`, `showError`, `bodies`); page scripts wrap
// themselves in a block so their names never collide.
"use strict";

const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content || "";

async function api(method, url, body, extra) {
  const headers = { "X-CSRF-Token": csrf(), ...(extra || {}) };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(url, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return response;
}

async function problem(response) {
  if (response.status === 401) return "Your session has ended. Sign in again.";
  try {
    const body = await response.json();
    const error = body?.error;
    if (error?.code === "validation_error" && error.details?.length) {
      // "body.context.temperature: Input should be ..." reads better as a named field.
      const detail = error.details[0];
      const field = String(detail.field || "").split(".").pop().replace(/_/g, " ");
      return `Check “${field}”: ${detail.message}.`;
    }
    if (error?.message) return error.message;
  } catch (_) { /* not JSON */ }
  return `The server answered ${response.status}. Try again in a moment.`;
}

function showError(form, message) {
  const alert = form.querySelector('[role="alert"]');
  if (!alert) return;
  alert.textContent = message;
  alert.hidden = !message;
}

// --- forms that call the JSON API ---------------------------------------------------------

// How a form.api-form with data-kind="..." turns into a JSON body; a page script may add kinds.
const bodies = {
  "api-key": (form) => Object.fromEntries(new FormData(form)),
  invite: (form) => Object.fromEntries(new FormData(form)),
  fields: (form) => Object.fromEntries(new FormData(form)),
  // The fields a person filled in: an empty optional field (a description, no project) is left out.
  sparse: (form) => Object.fromEntries([...new FormData(form)].filter(([, value]) => value !== "")),
};

function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, key) => encodeURIComponent(values[key] ?? ""));
}

// A key just made joins the list (as text) without reloading away its one-time secret.
function listKey(key) {
  const table = document.getElementById("keys");
  if (!table) return;
  const row = table.tBodies[0].insertRow(0);
  for (const value of [key.name, key.display_prefix || key.prefix || "", key.role, "never", ""]) {
    row.insertCell().textContent = value;
  }
  table.hidden = false;
  document.getElementById("no-keys").hidden = true;
}

for (const form of document.querySelectorAll("form.api-form")) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    showError(form, "");
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    try {
      const response = await api(form.dataset.method, form.dataset.url, (bodies[form.dataset.kind] || bodies.fields)(form));
      if (!response.ok) return showError(form, await problem(response));
      const result = response.status === 204 ? {} : await response.json();
      const then = form.dataset.then;
      if (then === "reload") location.reload();
      else if (then === "show-secret") {
        document.getElementById("secret-value").textContent = result.key;
        document.getElementById("secret").hidden = false;
        listKey(result);
        form.reset();
      } else location.assign(fill(then, result));
    } catch (_) {
      showError(form, "Atrium could not be reached. Check your connection and try again.");
    } finally {
      button.disabled = false;
    }
  });
}

for (const button of document.querySelectorAll("button.api-action")) {
  button.addEventListener("click", async () => {
    if (button.dataset.confirm && !window.confirm(button.dataset.confirm)) return;
    const response = await api(button.dataset.method, button.dataset.url);
    if (response.ok && button.dataset.done) {
      const done = document.createElement("span");
      done.textContent = button.dataset.done;
      button.replaceWith(done);
    } else if (response.ok) location.reload();
    else window.alert(await problem(response));
  });
}
