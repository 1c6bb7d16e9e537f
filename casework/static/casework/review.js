// Casework review page: keyboard shortcuts, in-place reveal, lease renewal.
// No inline script anywhere: the Content-Security-Policy forbids it.
(function () {
  "use strict";

  const INDUSTRY = { q: "A1", w: "A2", e: "B1", r: "B2" };
  const IWF = { a: "A", s: "B", d: "C" };
  const ANNOTATIONS = {
    g: "generativeAi", p: "possibleSelfProduction", i: "infant", h: "physicalHarm",
    v: "violenceGore", b: "bestiality", l: "liveStreaming", y: "viral",
    m: "potentialMeme", o: "animeDrawingVirtualHentai",
  };

  const cards = Array.from(document.querySelectorAll(".media-card"));
  const viewer = window.CaseworkViewer;
  let current = 0;

  function select(index) {
    if (!cards.length) return;
    current = (index + cards.length) % cards.length;
    cards.forEach((card, i) => card.classList.toggle("selected", i === current));
    cards[current].focus({ preventScroll: false });
  }

  function labelsFor(card) {
    return document.querySelector(`[data-labels-for="${card.dataset.media}"]`);
  }

  function csrf(form) {
    return form.querySelector("input[name=csrfmiddlewaretoken]").value;
  }

  // A revealed original is blurred again after the reviewer's chosen time, when the tab is
  // hidden or the page left; each re-blur reports how long the original was on screen.
  const grid = document.querySelector(".media-grid");
  const revealSeconds = Number((grid && grid.dataset.revealSeconds) || 10);
  const shown = new Map(); // form -> { since, timer }

  function startShown(form) {
    const countdown = form.closest(".media-card").querySelector(".countdown");
    const since = performance.now();
    const tick = () => {
      const left = Math.ceil(revealSeconds - (performance.now() - since) / 1000);
      if (left <= 0) hide(form, "timer");
      else if (countdown) countdown.textContent = ` — blurred again in ${left} s`;
    };
    tick();
    shown.set(form, { since, timer: window.setInterval(tick, 250) });
  }

  function endShown(form, cause) {
    const was = shown.get(form);
    if (!was) return;
    shown.delete(form);
    window.clearInterval(was.timer);
    const body = new FormData();
    body.append("csrfmiddlewaretoken", csrf(form));
    body.append("seconds", ((performance.now() - was.since) / 1000).toFixed(1));
    body.append("cause", cause);
    navigator.sendBeacon(form.dataset.reblurredUrl, body);
  }

  function hideAll(cause) {
    Array.from(shown.keys()).forEach((form) => hide(form, cause));
  }
  document.addEventListener("visibilitychange", () => { if (document.hidden) hideAll("hidden"); });
  window.addEventListener("pagehide", () => hideAll("left"));

  // An item matched in a category the reviewer is warned about: its preview only on request.
  document.querySelectorAll("button[data-show-preview]").forEach((button) => {
    button.addEventListener("click", () => {
      const card = button.closest(".media-card");
      const img = card.querySelector("img.preview");
      img.src = img.dataset.previewSrc;
      img.hidden = false;
      button.closest(".warning-screen").remove();
      card.querySelectorAll("form[data-reveal] button").forEach((b) => { b.disabled = false; });
      card.focus();
    });
  });

  async function reveal(form) {
    const card = form.closest(".media-card");
    const img = card && card.querySelector("img.preview");
    if (card.querySelector(".warning-screen")) return; // the warning first
    const response = await fetch(form.action, {
      method: "POST",
      headers: { "X-CSRFToken": csrf(form) },
      body: new FormData(form), // a region form sends its region
      credentials: "same-origin",
      cache: "no-store",
    });
    if (!response.ok) {
      window.alert(await response.text());
      return;
    }
    const blob = await response.blob();
    card.querySelectorAll("form[data-reveal]").forEach((other) => {
      if (other !== form && other.dataset.revealed) hide(other, "manual");
    });
    if (img) {
      if (img.dataset.objectUrl) URL.revokeObjectURL(img.dataset.objectUrl);
      const url = URL.createObjectURL(blob);
      img.dataset.objectUrl = url;
      img.src = url;
      img.alt = img.alt.replace("Blurred preview", "Revealed original");
      card.classList.add("revealed");
      form.querySelector("button .label").textContent = form.dataset.hideLabel || "Hide original";
      form.dataset.revealed = "1";
      const enlarge = card.querySelector("button[data-enlarge]");
      if (enlarge) enlarge.hidden = false;
      startShown(form);
    }
  }

  function hide(form, cause) {
    endShown(form, cause);
    const card = form.closest(".media-card");
    const img = card.querySelector("img.preview");
    URL.revokeObjectURL(img.dataset.objectUrl);
    delete img.dataset.objectUrl;
    img.src = img.dataset.previewSrc;
    img.alt = img.alt.replace("Revealed original", "Blurred preview");
    card.classList.remove("revealed");
    form.querySelector("button .label").textContent = form.dataset.showLabel || "Reveal original";
    delete form.dataset.revealed;
    const enlarge = card.querySelector("button[data-enlarge]");
    if (enlarge) enlarge.hidden = true;
    const countdown = card.querySelector(".countdown");
    if (countdown) countdown.textContent = "";
    if (viewer) viewer.reblurred(card);
  }

  async function showMetadata(form) {
    const card = form.closest(".media-card");
    const list = card.querySelector("div.metadata");
    const response = await fetch(form.action, {
      method: "POST",
      headers: { "X-CSRFToken": csrf(form) },
      credentials: "same-origin",
      cache: "no-store",
    });
    const body = await response.json();
    list.replaceChildren();
    const sections = body.sections || [
      { heading: "Metadata", items: [["error", body.error || "none"]] },
    ];
    if (!sections.length) sections.push({ heading: "Metadata", items: [["", "none found"]] });
    for (const section of sections) {
      const heading = document.createElement("h3");
      heading.textContent = section.heading;
      const items = document.createElement("dl");
      for (const [name, value] of section.items) {
        const dt = document.createElement("dt");
        dt.textContent = name;
        const dd = document.createElement("dd");
        dd.textContent = value;
        items.append(dt, dd);
      }
      list.append(heading, items);
    }
    list.hidden = false;
  }

  document.querySelectorAll("form[data-reveal]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (form.dataset.revealed) hide(form, "manual");
      else reveal(form);
    });
  });
  document.querySelectorAll("button[data-zoom-preview]").forEach((button) => {
    button.addEventListener("click", () => {
      const card = button.closest(".media-card");
      select(cards.indexOf(card));
      if (viewer) viewer.openFiltered(card);
    });
  });
  document.querySelectorAll("button[data-enlarge]").forEach((button) => {
    button.addEventListener("click", () => {
      const card = button.closest(".media-card");
      select(cards.indexOf(card));
      if (viewer) viewer.open(card);
    });
  });
  document.querySelectorAll("form[data-metadata]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      showMetadata(form);
    });
  });

  function submitShortcut(name) {
    const button = document.querySelector(`[data-shortcut="${name}"]`);
    if (button) button.form.requestSubmit(button);
    return Boolean(button);
  }

  function typing(target) {
    return target.closest("input, textarea, select, [contenteditable]") !== null;
  }

  document.addEventListener("keydown", (event) => {
    // The open viewer is modal: its own keys only (Escape closes it natively).
    if (viewer && viewer.isOpen()) {
      if (viewer.handleKey(event)) event.preventDefault();
      return;
    }
    const help = document.getElementById("help");
    const decision = document.getElementById("decision-form");
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && decision) {
      event.preventDefault();
      decision.requestSubmit();
      return;
    }
    if (event.key === "Escape" && typing(event.target)) {
      event.target.blur();
      return;
    }
    if (typing(event.target) || event.altKey || event.ctrlKey || event.metaKey) return;

    const key = event.key;
    let handled = true;
    if (key === "?") {
      if (help) help.open ? help.close() : help.showModal();
    } else if (key === "n") {
      handled = submitShortcut("n");
    } else if (key === "c") {
      handled = submitShortcut("c");
    } else if (key === "A") {
      handled = submitShortcut("A");
    } else if (decision && /^[1-5]$/.test(key)) {
      const radio = decision.querySelector(`input[name=verdict][data-key="${key}"]`);
      if (radio) radio.checked = true;
    } else if (key === "j") {
      select(current + 1);
    } else if (key === "k") {
      select(current - 1);
    } else if (key === "R" && cards.length) {
      const form = cards[current].querySelector("form[data-reveal]:not([data-region])");
      if (form) form.requestSubmit();
    } else if (key === "z" && cards.length && viewer) {
      viewer.open(cards[current]);
    } else if (key === "M" && cards.length) {
      const form = cards[current].querySelector("form[data-metadata]");
      if (form) form.requestSubmit();
    } else if (decision && key === "t") {
      decision.querySelector("#incident_type").focus();
    } else if (decision && key === "u") {
      decision.querySelector("#notes").focus();
    } else if (decision && cards.length && (key in INDUSTRY || key in IWF)) {
      const field = key in INDUSTRY ? "industry" : "iwf";
      const value = key in INDUSTRY ? INDUSTRY[key] : IWF[key];
      const select = labelsFor(cards[current]).querySelector(`select[data-field="${field}"]`);
      select.value = select.value === value ? "" : value;
    } else if (decision && cards.length && key in ANNOTATIONS) {
      const box = labelsFor(cards[current]).querySelector(`input[value="${ANNOTATIONS[key]}"]`);
      box.checked = !box.checked;
    } else {
      handled = false;
    }
    if (handled) event.preventDefault();
  });

  // Keep the lease while the reviewer is active: renew at most once a minute after activity.
  const lease = document.getElementById("lease");
  const leaseLeft = lease && lease.querySelector(".lease-left");
  function showLease() {
    const left = Math.round((Date.parse(leaseLeft.dataset.expires) - Date.now()) / 1000);
    if (left <= 0) {
      leaseLeft.textContent = "Your lease ended: the case is back in its queue. Claim it again.";
      leaseLeft.classList.add("error");
      return;
    }
    const clock = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
    leaseLeft.textContent = `Yours for ${clock} more, kept while you are active`;
    leaseLeft.classList.toggle("warn", left < 120);
  }
  if (leaseLeft && leaseLeft.dataset.expires) {
    showLease();
    window.setInterval(showLease, 1000);
  }
  if (lease) {
    let active = false;
    ["keydown", "mousemove", "click", "scroll"].forEach((name) =>
      document.addEventListener(name, () => { active = true; }, { passive: true }));
    const token = csrf(lease.querySelector("form"));
    window.setInterval(async () => {
      if (!active) return;
      active = false;
      const response = await fetch(lease.dataset.leaseUrl, {
        method: "POST", headers: { "X-CSRFToken": token }, credentials: "same-origin",
      });
      if (response.status === 409) {
        lease.replaceChildren(document.createTextNode((await response.json()).error));
        lease.classList.add("error");
      } else if (response.ok && leaseLeft) {
        leaseLeft.dataset.expires = (await response.json()).lease_expires_at;
      }
    }, 60000);
  }

  if (cards.length) select(0);
})();
