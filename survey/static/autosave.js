// Autosave: a progressive enhancement. The page saves with its buttons without JavaScript; with it, typed
// answers are also saved in the background a few seconds after the last change. Files are never autosaved.
const form = document.querySelector("form[data-autosave]");
const status = document.querySelector("[data-autosave-status]");
// The page's own id, sent with every save: a save from this page builds on this page's earlier saves even when
// the answer to one of them never arrived, so the server does not take them for someone else's.
const pageId = document.querySelector("[data-page-id]");
if (pageId && !pageId.value && window.crypto && crypto.randomUUID) pageId.value = crypto.randomUUID();
let timer = null;
let busy = false;
let pending = false;

function payload() {
  const data = new FormData(form);
  for (const [key, value] of [...data.entries()]) {
    if (value instanceof File) data.delete(key);
  }
  return data;
}

async function save() {
  if (busy) { pending = true; return; }
  busy = true;
  try {
    const response = await fetch(form.dataset.autosave, {
      method: "POST", body: payload(), credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" },
    });
    if (response.redirected || response.status === 401) {
      status.textContent = "You have been signed out. Use a save button to keep your answers.";
      return;
    }
    const result = await response.json();
    for (const [statement, revision] of Object.entries(result.saved || {})) {
      form.querySelector(`[name="rev-${CSS.escape(statement)}"]`).value = revision.rev;
      form.querySelector(`[name="base-${CSS.escape(statement)}"]`).value = revision.base;
    }
    if (result.status === "saved") {
      status.textContent = `Draft saved at ${result.at}.`;
    } else if (result.status === "conflict") {
      status.textContent = "Someone else has changed a statement on this page. Your version is kept: ";
      const link = document.createElement("a");
      link.className = "govuk-link";
      link.href = result.review;
      link.textContent = "compare the versions and choose";
      status.append(link, ".");
    } else if (result.status === "invalid") {
      status.textContent = "Some answers need correcting before they can be saved. Use a save button to see what.";
    } else if (result.status === "read-only") {
      status.textContent = "This return can no longer be changed: it was submitted, or its round closed, after you opened this page. What you typed is still here: copy anything you need to keep.";
    } else {
      status.textContent = "Could not save the draft automatically. Your answers are still on this page: use a save button.";
    }
  } catch (error) {
    status.textContent = "Could not save the draft automatically. Your answers are still on this page: use a save button.";
  } finally {
    busy = false;
    if (pending) { pending = false; schedule(); }
  }
}

function schedule() {
  clearTimeout(timer);
  timer = setTimeout(save, Number(form.dataset.autosaveDelay || 3000));
}

if (form && status && window.fetch) {
  form.addEventListener("input", (event) => { if (event.target.type !== "file") schedule(); });
  form.addEventListener("change", (event) => { if (event.target.type !== "file") schedule(); });
  form.addEventListener("submit", () => clearTimeout(timer));
}
