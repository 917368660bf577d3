// Progressive enhancement only: every page works without JavaScript.
import { initAll } from "/assets/govuk-frontend.min.js";

initAll();

for (const button of document.querySelectorAll("[data-print]")) {
  button.addEventListener("click", () => window.print());
}

// On a phone a wide table scrolls in its own box (app.css): let the keyboard scroll it too.
function focusableScrollers() {
  for (const table of document.querySelectorAll(".govuk-table")) {
    if (table.scrollWidth > table.clientWidth && !table.hasAttribute("tabindex")) {
      table.setAttribute("tabindex", "0");
    }
  }
}
focusableScrollers();
window.addEventListener("resize", focusableScrollers);
