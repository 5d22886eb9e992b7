// A knowledge base's page: uploads with per-file progress (XMLHttpRequest: fetch reports no
// upload progress), the file list polled from the JSON API while a file is being ingested,
// retry and delete, web pages, and search. File names, failure reasons and snippets are
// untrusted: they only ever enter the page as textContent.
"use strict";

{
  const root = document.getElementById("knowledge");
  if (root) setUpKnowledge(root);
}

function setUpKnowledge(root) {
  const baseId = root.dataset.baseId;
  const canChange = root.dataset.canChange === "true";
  const table = document.getElementById("files");
  const rows = table.tBodies[0];
  const noFiles = document.getElementById("no-files");
  const filesError = document.getElementById("files-error");
  const uploads = document.getElementById("uploads");
  const PENDING = new Set(["queued", "parsing", "embedding"]);
  const POLL_MS = 1000;
  const unreachable = "Atrium could not be reached. Check your connection and try again.";
  let timer = null;

  const el = (tag, props, ...children) => {
    const node = Object.assign(document.createElement(tag), props || {});
    node.append(...children.filter((child) => child !== null && child !== undefined));
    return node;
  };

  const size = (bytes) => {
    if (bytes < 1000) return `${bytes} Bytes`;
    const units = ["kB", "MB", "GB", "TB"];
    let value = bytes / 1000;
    let unit = 0;
    while (value >= 1000 && unit < units.length - 1) { value /= 1000; unit += 1; }
    return `${value.toFixed(1)} ${units[unit]}`;
  };

  const fail = (message) => {
    filesError.textContent = message;
    filesError.hidden = !message;
  };

  // The same row as _knowledge_file.html renders on the server.
  function fileRow(file) {
    const row = el("tr");
    row.dataset.fileId = file.id;
    row.dataset.status = file.status;
    const link = el("a", { className: "file-name", textContent: file.name });
    link.href = `/knowledge/${baseId}/files/${file.id}/content`;
    link.setAttribute("download", "");
    const name = el("td", {}, link);
    if (file.source_url) name.append(el("div", { className: "muted source", textContent: file.source_url }));
    const status = el("td", { className: "file-status" });
    if (file.status === "embedding") {
      const done = `${file.chunks_done}/${file.chunks_total}`;
      const bar = el("progress", { max: file.chunks_total || 1, value: file.chunks_done, textContent: done });
      bar.setAttribute("aria-label", "Embedding progress");
      status.append(el("span", { className: "status", textContent: `Embedding ${done} chunks` }), " ", bar);
    } else if (file.status === "ready") {
      const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
      const pages = file.pages ? `, ${plural(file.pages, "page")}` : "";
      status.append(
        el("span", { className: "status ok", textContent: "Ready" }), " ",
        el("span", { className: "muted", textContent: `${plural(file.chunks_total, "chunk")}${pages}` }),
      );
    } else if (file.status === "failed") {
      status.append(el("span", { className: "status bad", textContent: "Failed" }));
      if (file.error) status.append(el("p", { className: "reason", textContent: file.error }));
    } else {
      status.append(el("span", { className: "status", textContent: file.status === "parsing" ? "Reading the file…" : "Queued" }));
    }
    const actions = el("td", { className: "file-actions" });
    if (canChange && file.status === "failed") {
      actions.append(el("button", { type: "button", className: "secondary", textContent: "Retry" }));
      actions.lastChild.dataset.retry = "";
    }
    if (canChange) {
      actions.append(el("button", { type: "button", className: "danger", textContent: "Delete" }));
      actions.lastChild.dataset.delete = "";
    }
    const labels = ["File", "Status", "Size"];
    const cells = [name, status, el("td", { textContent: size(file.size_bytes) }), actions];
    cells.forEach((cell, i) => { if (labels[i]) cell.dataset.label = labels[i]; });
    row.append(...cells);
    return row;
  }

  function show(file) {
    const fresh = fileRow(file);
    const old = rows.querySelector(`tr[data-file-id="${CSS.escape(file.id)}"]`);
    if (old) old.replaceWith(fresh);
    else rows.append(fresh);
    const upload = uploads?.querySelector(`li[data-file-id="${CSS.escape(file.id)}"] .note`);
    if (upload) upload.textContent = uploadNote(file);
    listed();
  }

  function listed() {
    table.hidden = rows.rows.length === 0;
    noFiles.hidden = rows.rows.length > 0;
  }

  const pending = () => [...rows.rows].some((row) => PENDING.has(row.dataset.status));

  // Polls the file list while a file is being ingested; stops when none is.
  function poll() {
    if (timer === null && pending()) timer = setTimeout(refresh, POLL_MS);
  }

  async function refresh() {
    timer = null;
    try {
      const response = await api("GET", `/knowledge/${baseId}/files`);
      if (!response.ok) return fail(await problem(response));
      const files = await response.json();
      const ids = new Set(files.map((file) => file.id));
      for (const row of [...rows.rows]) if (!ids.has(row.dataset.fileId)) row.remove();
      for (const file of files) {
        const row = rows.querySelector(`tr[data-file-id="${CSS.escape(file.id)}"]`);
        // Unchanged rows stay as they are, so a button is not replaced under the pointer.
        if (!row || row.dataset.status !== file.status || file.status === "embedding") show(file);
      }
      listed();
      fail("");
    } catch (_) {
      fail(unreachable);
    }
    poll();
  }

  // --- rows: retry and delete ---------------------------------------------------------------
  rows.addEventListener("click", async (event) => {
    const button = event.target.closest("button");
    const row = button?.closest("tr");
    if (!button || !row) return;
    const url = `/knowledge/${baseId}/files/${row.dataset.fileId}`;
    const name = row.querySelector(".file-name")?.textContent || "this file";
    if ("delete" in button.dataset && !window.confirm(`Delete “${name}”? Assistants will no longer find it.`)) return;
    button.disabled = true;
    try {
      const response = "retry" in button.dataset ? await api("POST", `${url}/retry`) : await api("DELETE", url);
      if (!response.ok) return fail(await problem(response));
      fail("");
      if (response.status === 204) {
        row.remove();
        listed();
      } else {
        show(await response.json());
        poll();
      }
    } catch (_) {
      fail(unreachable);
    } finally {
      button.disabled = false;
    }
  });

  // --- uploads ------------------------------------------------------------------------------
  function uploadNote(file) {
    if (file.status === "ready") return "Ready";
    if (file.status === "failed") return "Uploaded, but it could not be read (see the file list)";
    return "Uploaded; being read and embedded";
  }

  function send(file) {
    const bar = el("progress", { max: 100, value: 0 });
    bar.setAttribute("aria-label", `Upload of ${file.name}`);
    const note = el("span", { className: "note muted", textContent: "Waiting" });
    const item = el("li", { className: "upload" }, el("span", { className: "upload-name", textContent: file.name }), bar, note);
    uploads.append(item);
    return new Promise((resolve) => {
      const xhr = new XMLHttpRequest();
      xhr.open("POST", `/knowledge/${baseId}/files`);
      xhr.setRequestHeader("X-CSRF-Token", csrf());
      xhr.upload.onprogress = (event) => {
        if (!event.lengthComputable) return;
        bar.value = Math.round((100 * event.loaded) / event.total);
        note.textContent = `Uploading ${bar.value}%`;
      };
      xhr.onload = async () => {
        if (xhr.status === 202) {
          bar.value = 100;
          const [made] = JSON.parse(xhr.responseText);
          item.dataset.fileId = made.id;
          show(made);
        } else {
          item.classList.add("failed");
          const response = new Response(xhr.responseText, {
            status: xhr.status,
            headers: { "Content-Type": xhr.getResponseHeader("Content-Type") || "text/plain" },
          });
          note.textContent = await problem(response);
          note.className = "note error";
        }
        resolve();
      };
      xhr.onerror = () => {
        item.classList.add("failed");
        note.textContent = unreachable;
        note.className = "note error";
        resolve();
      };
      const data = new FormData();
      data.append("files", file, file.name);
      xhr.send(data);
    });
  }

  const uploadForm = document.getElementById("upload");
  uploadForm?.addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = uploadForm.elements.files;
    const chosen = [...input.files];
    if (!chosen.length) return showError(uploadForm, "Choose one or more files first.");
    showError(uploadForm, "");
    uploads.replaceChildren();
    // One request per file, so each has its own progress and its own refusal.
    await Promise.all(chosen.map(send));
    input.value = "";
    poll();
  });

  // --- web pages ----------------------------------------------------------------------------
  const urlForm = document.getElementById("add-url");
  urlForm?.addEventListener("submit", async (event) => {
    event.preventDefault();
    showError(urlForm, "");
    const button = urlForm.querySelector('button[type="submit"]');
    const body = { url: urlForm.elements.url.value.trim() };
    const name = urlForm.elements.name.value.trim();
    if (name) body.name = name;
    button.disabled = true;
    try {
      const response = await api("POST", `/knowledge/${baseId}/urls`, body);
      if (!response.ok) return showError(urlForm, await problem(response));
      show(await response.json());
      urlForm.reset();
      poll();
    } catch (_) {
      showError(urlForm, unreachable);
    } finally {
      button.disabled = false;
    }
  });

  // --- search -------------------------------------------------------------------------------
  const searchForm = document.getElementById("search");
  const results = document.getElementById("results");
  const noResults = document.getElementById("no-results");

  function hit(result) {
    const where = [];
    if (result.page) where.push(`page ${result.page}`);
    if (result.heading) where.push(result.heading);
    where.push(`score ${result.score.toFixed(4)}`);
    return el(
      "li",
      { className: "hit" },
      el("p", { className: "hit-file" }, el("strong", { textContent: result.file_name })),
      el("p", { className: "muted hit-where", textContent: where.join(" · ") }),
      el("p", { className: "snippet", textContent: result.snippet }),
    );
  }

  searchForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    showError(searchForm, "");
    const button = searchForm.querySelector('button[type="submit"]');
    const body = {
      query: searchForm.elements.query.value,
      mode: searchForm.elements.mode.value,
      top_k: Number(searchForm.elements.top_k.value || 5),
    };
    button.disabled = true;
    try {
      const response = await api("POST", `/knowledge/${baseId}/search`, body);
      if (!response.ok) return showError(searchForm, await problem(response));
      const found = (await response.json()).results;
      results.replaceChildren(...found.map(hit));
      results.dataset.mode = body.mode;
      noResults.hidden = found.length > 0;
    } catch (_) {
      showError(searchForm, unreachable);
    } finally {
      button.disabled = false;
    }
  });

  poll();
}
