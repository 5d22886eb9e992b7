// The settings pages' own forms: provider keys, MCP servers and choosing a plan. Loaded after
// app.js, whose `api`, `problem`, `showError` and `bodies` it uses.
"use strict";
{
  // An empty optional field is left out rather than sent as "" (which the API would refuse).
  bodies["provider-key"] = (form) => {
    const data = Object.fromEntries(new FormData(form));
    if (!String(data.base_url || "").trim()) delete data.base_url;
    return data;
  };

  // "Header: value" lines become the credentials object; the command line its words.
  bodies["mcp-server"] = (form) => {
    const data = new FormData(form);
    const body = { name: String(data.get("name") || "").trim(), transport: data.get("transport") || "http" };
    if (body.transport === "http") body.url = String(data.get("url") || "").trim();
    else {
      const words = String(data.get("command") || "").trim().split(/\s+/).filter(Boolean);
      body.command = words.shift() || "";
      body.args = words;
    }
    const credentials = {};
    for (const line of String(data.get("credentials") || "").split("\n")) {
      const at = line.indexOf(":");
      if (at > 0) credentials[line.slice(0, at).trim()] = line.slice(at + 1).trim();
    }
    if (Object.keys(credentials).length) body.credentials = credentials;
    return body;
  };

  const transport = document.getElementById("mcp-transport");
  if (transport) {
    const show = () => {
      for (const part of document.querySelectorAll("[data-transport]")) {
        part.hidden = part.dataset.transport !== transport.value;
      }
    };
    transport.addEventListener("change", show);
    show();
  }

  // Choosing a plan: a paid one answers with Stripe Checkout's address and the browser goes
  // there; a free one (or a switch of a running subscription) applies without leaving.
  const failed = document.getElementById("plan-error");
  const status = document.getElementById("plan-status");
  for (const button of document.querySelectorAll("button.plan-choice")) {
    button.addEventListener("click", async () => {
      failed.hidden = true;
      button.disabled = true;
      try {
        const response = await api("POST", "/tenants/subscribe", { plan_id: button.dataset.plan });
        if (!response.ok) {
          failed.textContent = await problem(response);
          failed.hidden = false;
          return;
        }
        const result = await response.json();
        if (result.status === "checkout_required" && /^https:\/\//.test(result.checkout_url || "")) {
          status.textContent = "Taking you to Stripe to pay…";
          status.hidden = false;
          location.assign(result.checkout_url);
        } else if (result.status === "pending") {
          status.textContent = "Your subscription is being changed; the new plan applies once Stripe confirms it.";
          status.hidden = false;
        } else location.reload();
      } catch (_) {
        failed.textContent = "Atrium could not be reached. Check your connection and try again.";
        failed.hidden = false;
      } finally {
        button.disabled = false;
      }
    });
  }
}
