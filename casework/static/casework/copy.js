// Casework copy buttons: each button[data-copy] copies the text of the element it names to
// the clipboard (the referral page of a manual channel) and says so in its status line.
(function () {
  "use strict";

  document.querySelectorAll("button[data-copy]").forEach((button) => {
    const source = document.getElementById(button.dataset.copy);
    const status = document.getElementById(button.dataset.status);
    if (!source) return;
    button.hidden = false;
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(source.textContent);
        if (status) status.textContent = "Copied.";
      } catch (error) {
        if (status) status.textContent = "Copy failed: select the text and copy it.";
      }
    });
  });
})();
