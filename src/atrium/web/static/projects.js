// The project page's delete button: after the project is gone, back to the list (app.js's
// api-action would reload a page that no longer exists).
"use strict";

{
  const button = document.getElementById("delete-project");
  if (button) {
    button.addEventListener("click", async () => {
      if (!window.confirm(button.dataset.confirm)) return;
      const alert = document.getElementById("delete-error");
      alert.hidden = true;
      button.disabled = true;
      try {
        const response = await api("DELETE", button.dataset.url);
        if (response.ok) return location.assign("/app/projects");
        alert.textContent = await problem(response);
        alert.hidden = false;
      } catch (_) {
        alert.textContent = "Atrium could not be reached. Check your connection and try again.";
        alert.hidden = false;
      } finally {
        button.disabled = false;
      }
    });
  }
}
