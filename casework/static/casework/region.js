// Casework region reveal: drag a rectangle on a filtered preview to fill its region field
// (x,y,w,h in the original's pixels); the region form then reveals only that rectangle
// (review.js sends it, audited by the server). The field can also be typed.
(function () {
  "use strict";

  function boxFor(figure) {
    let box = figure.querySelector(".region-box");
    if (!box) {
      box = document.createElement("div");
      box.className = "region-box";
      box.setAttribute("aria-hidden", "true");
      figure.append(box);
    }
    return box;
  }

  document.querySelectorAll("form[data-region]").forEach((form) => {
    const card = form.closest(".media-card");
    const img = card.querySelector("img.preview");
    const field = form.querySelector("input[name=region]");
    if (!img) return;
    const figure = img.closest("figure");
    const width = Number(form.dataset.width);
    const height = Number(form.dataset.height);
    let start = null;

    // A point of the event in the original's pixels, kept inside the picture.
    function point(event) {
      const rect = img.getBoundingClientRect();
      const x = Math.min(Math.max(event.clientX - rect.left, 0), rect.width);
      const y = Math.min(Math.max(event.clientY - rect.top, 0), rect.height);
      return { x, y, ox: Math.round((x * width) / rect.width),
        oy: Math.round((y * height) / rect.height) };
    }

    function draw(a, b) {
      const box = boxFor(figure);
      box.style.left = `${img.offsetLeft + Math.min(a.x, b.x)}px`;
      box.style.top = `${img.offsetTop + Math.min(a.y, b.y)}px`;
      box.style.width = `${Math.abs(a.x - b.x)}px`;
      box.style.height = `${Math.abs(a.y - b.y)}px`;
      box.hidden = false;
    }

    img.classList.add("region-pickable");
    img.addEventListener("dragstart", (event) => event.preventDefault());
    img.addEventListener("pointerdown", (event) => {
      if (img.hidden || card.classList.contains("revealed")) return;
      start = point(event);
      img.setPointerCapture(event.pointerId);
      event.preventDefault();
    });
    img.addEventListener("pointermove", (event) => {
      if (start) draw(start, point(event));
    });
    img.addEventListener("pointerup", (event) => {
      if (!start) return;
      const end = point(event);
      const x = Math.min(start.ox, end.ox);
      const y = Math.min(start.oy, end.oy);
      const w = Math.abs(start.ox - end.ox);
      const h = Math.abs(start.oy - end.oy);
      start = null;
      if (w < 1 || h < 1) {
        boxFor(figure).hidden = true;
        return;
      }
      field.value = `${x},${y},${w},${h}`;
      form.querySelector("button").focus();
    });
  });

  // The rectangle marks what was chosen; once revealed (or hidden again) it goes.
  new MutationObserver(() => {
    document.querySelectorAll(".media-card.revealed .region-box").forEach((box) => {
      box.hidden = true;
    });
  }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ["class"] });
})();
