// The incoming shift: choosing a team shows its shift at once (a plain GET form underneath, so
// it also works without script). Kept out of the template: no inline handlers.
import { $ } from "/static/app.js";

const pick = $("#team[data-autosubmit]");
if (pick) pick.addEventListener("change", () => pick.form.submit());
