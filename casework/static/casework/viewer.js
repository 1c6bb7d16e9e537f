// Casework image viewer: a revealed original enlarged, zoomed and panned in place.
// It shows only the object URL the reveal already made (never fetches the original), records
// the enlargement first (POST, audited as media.enlarged) and closes when the card re-blurs.
(function () {
  "use strict";

  const dialog = document.getElementById("viewer");
  if (!dialog) return;
  const stage = dialog.querySelector(".viewer-stage");
  const img = document.getElementById("viewer-img");
  const zoomShown = document.getElementById("viewer-zoom");
  const heading = document.getElementById("viewer-h");
  const MIN_SCALE = 0.1;
  const MAX_SCALE = 16;
  const PAN_STEP = 60;
  let state = { scale: 1, x: 0, y: 0 };
  let card = null;

  function apply() {
    img.style.transform = `translate(${state.x}px, ${state.y}px) scale(${state.scale})`;
    zoomShown.value = `${Math.round(state.scale * 100)}%`;
    zoomShown.textContent = zoomShown.value;
  }

  function fit() {
    const width = img.naturalWidth || 1;
    const height = img.naturalHeight || 1;
    const scale = Math.min(stage.clientWidth / width, stage.clientHeight / height);
    state = {
      scale,
      x: (stage.clientWidth - width * scale) / 2,
      y: (stage.clientHeight - height * scale) / 2,
    };
    apply();
  }

  // Zoom about a point of the stage (the pointer, or the stage's middle), so it stays put.
  function zoomBy(factor, atX = stage.clientWidth / 2, atY = stage.clientHeight / 2) {
    const scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, state.scale * factor));
    const ratio = scale / state.scale;
    state = { scale, x: atX - (atX - state.x) * ratio, y: atY - (atY - state.y) * ratio };
    apply();
  }

  function panBy(dx, dy) {
    state.x += dx;
    state.y += dy;
    apply();
  }

  function csrf() {
    const field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  async function open(target) {
    const preview = target && target.querySelector("img.preview");
    if (!preview || !preview.dataset.objectUrl || !target.dataset.enlargeUrl) return false;
    const response = await fetch(target.dataset.enlargeUrl, {
      method: "POST",
      headers: { "X-CSRFToken": csrf() },
      credentials: "same-origin",
      cache: "no-store",
    });
    if (!response.ok) {
      window.alert((await response.json()).error || "The enlargement was refused.");
      return false;
    }
    card = target;
    heading.textContent = `Revealed original, media #${target.dataset.number}`;
    img.alt = `Revealed original of media ${target.dataset.media}, enlarged`;
    img.src = preview.dataset.objectUrl;
    dialog.showModal();
    if (img.complete && img.naturalWidth) fit();
    else img.addEventListener("load", fit, { once: true });
    return true;
  }

  // The filtered preview, larger (zoom=1: the same filter at up to 1,024 px): looking closer
  // without revealing anything, so nothing else is recorded than the preview's own view.
  function openFiltered(target) {
    const preview = target && target.querySelector("img.preview");
    if (!preview || preview.hidden) return false;
    card = target;
    heading.textContent = `Filtered preview, media #${target.dataset.number}, zoomed`;
    img.alt = `Filtered preview of media ${target.dataset.media}, zoomed`;
    img.src = `${preview.dataset.previewSrc}?zoom=1`;
    dialog.showModal();
    img.addEventListener("load", fit, { once: true });
    return true;
  }

  function close() {
    if (dialog.open) dialog.close();
  }

  dialog.addEventListener("close", () => {
    img.removeAttribute("src");
    img.alt = "";
    const was = card;
    card = null;
    if (was) was.focus();
  });

  // A keydown inside the open viewer: zoom and pan keys; true if it was one of them.
  function handleKey(event) {
    const moves = { ArrowLeft: [PAN_STEP, 0], ArrowRight: [-PAN_STEP, 0],
      ArrowUp: [0, PAN_STEP], ArrowDown: [0, -PAN_STEP] };
    if (event.key === "+" || event.key === "=") zoomBy(1.25);
    else if (event.key === "-") zoomBy(0.8);
    else if (event.key === "0") fit();
    else if (event.key in moves) panBy(...moves[event.key]);
    else return false;
    return true;
  }

  dialog.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button) return;
    if (button.dataset.zoom === "in") zoomBy(1.25);
    else if (button.dataset.zoom === "out") zoomBy(0.8);
    else if (button.dataset.zoom === "fit") fit();
    else if ("viewerClose" in button.dataset) close();
  });

  stage.addEventListener("wheel", (event) => {
    event.preventDefault();
    const box = stage.getBoundingClientRect();
    zoomBy(Math.exp(-event.deltaY * 0.0015), event.clientX - box.left, event.clientY - box.top);
  }, { passive: false });

  let drag = null;
  stage.addEventListener("pointerdown", (event) => {
    drag = { x: event.clientX, y: event.clientY };
    stage.setPointerCapture(event.pointerId);
    stage.classList.add("panning");
  });
  stage.addEventListener("pointermove", (event) => {
    if (!drag) return;
    panBy(event.clientX - drag.x, event.clientY - drag.y);
    drag = { x: event.clientX, y: event.clientY };
  });
  ["pointerup", "pointercancel"].forEach((name) => stage.addEventListener(name, () => {
    drag = null;
    stage.classList.remove("panning");
  }));

  window.CaseworkViewer = {
    open,
    openFiltered,
    close,
    handleKey,
    isOpen: () => dialog.open,
    // The card went back to its blurred preview: the viewer must not keep showing it.
    reblurred(target) { if (card === target) close(); },
  };
})();
