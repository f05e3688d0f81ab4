// Save: the pictures, FITS products and recipe the user names, written as `falsecolor render` writes them.

import { postJSON } from "./api.js";

function line(tag, className, text) {
  const made = document.createElement(tag);
  if (className) made.className = className;
  made.textContent = text;
  return made;
}

export class SavePanel {
  constructor(panel, opener) {
    this.panel = panel;
    this.files = panel.querySelector("#save-files");
    this.fits = panel.querySelector("#save-fits");
    this.recipe = panel.querySelector("#save-recipe");
    this.result = panel.querySelector("#save-result");
    this.button = panel.querySelector("#save-go");
    this.filled = false;
    opener.addEventListener("click", () => {
      panel.hidden = !panel.hidden;
      if (!panel.hidden) panel.scrollIntoView({ block: "nearest" });
    });
    panel.querySelector("#save-close").addEventListener("click", () => (panel.hidden = true));
    this.button.addEventListener("click", () => this.save(false));
  }

  // The paths the command line (or the recipe) proposed, once.
  propose(defaults) {
    if (this.filled || !defaults) return;
    this.files.value = (defaults.files || []).join("\n");
    this.fits.value = defaults.fits || "";
    this.recipe.value = defaults.recipe || "";
    this.filled = true;
  }

  request(replace) {
    return {
      files: this.files.value.split("\n").map((f) => f.trim()).filter(Boolean),
      fits: this.fits.value.trim() || null,
      recipe: this.recipe.value.trim() || null,
      replace,
    };
  }

  async save(replace) {
    this.button.disabled = true;
    this.result.replaceChildren(line("div", "", "writing…"));
    try {
      const answer = await postJSON("/api/save", this.request(replace));
      if (answer.replace.length) {
        const ask = line("div", "", "These files exist: ");
        ask.append(line("code", "", answer.replace.join(", ")), " ");
        const yes = line("button", "", "Replace them");
        yes.type = "button";
        yes.id = "save-replace";
        yes.addEventListener("click", () => this.save(true));
        ask.append(yes);
        this.result.replaceChildren(ask);
        return;
      }
      const done = [line("div", "ok", `Wrote ${answer.written.length} file${answer.written.length === 1 ? "" : "s"}:`)];
      for (const path of answer.written) done.push(line("div", "", path));
      if (answer.command) {
        const again = line("div", "", "The same files again: ");
        again.append(line("code", "", answer.command));
        done.push(again);
      }
      this.result.replaceChildren(...done);
    } catch (error) {
      this.result.replaceChildren(line("div", "error", error.message));
    } finally {
      this.button.disabled = false;
    }
  }
}
