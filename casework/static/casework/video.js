// Casework case page: a video plays only when its "Play video" button is pressed. The
// stream comes from a POST (filtered, or the original as a recorded reveal), is shown from a
// blob URL, muted, with our own buttons; the original is hidden again after the reviewer's
// re-blur time, when the tab is hidden or the page left, and each such end is reported.
(function () {
  "use strict";

  const grid = document.querySelector(".media-grid");
  const revealSeconds = Number((grid && grid.dataset.revealSeconds) || 10);
  const playing = new Map(); // form -> { player, url, since, timer, original }

  function csrf(form) {
    return form.querySelector("input[name=csrfmiddlewaretoken]").value;
  }

  function playerOf(form) {
    return document.querySelector(`[data-player-for="${form.closest(".media-card").dataset.media}"]`);
  }

  function label(form, text) {
    form.querySelector("button .label").textContent = text;
  }

  async function start(form) {
    const player = playerOf(form);
    const response = await fetch(form.action, {
      method: "POST",
      headers: { "X-CSRFToken": csrf(form) },
      credentials: "same-origin",
      cache: "no-store",
    });
    if (!response.ok) {
      window.alert(await response.text());
      return;
    }
    const original = response.headers.get("X-Casework-Filtered") === "0";
    const url = URL.createObjectURL(await response.blob());
    const video = player.querySelector("video");
    video.muted = true;
    video.src = url;
    player.hidden = false;
    player.classList.toggle("original", original);
    const state = player.querySelector(".player-state");
    state.textContent = original
      ? "Original playing — recorded in the audit log"
      : "Filtered, low resolution";
    const was = { player, url, since: performance.now(), timer: null, original };
    if (original) {
      const tick = () => {
        const left = Math.ceil(revealSeconds - (performance.now() - was.since) / 1000);
        if (left <= 0) stop(form, "timer");
        else state.textContent = `Original playing — recorded in the audit log — hidden in ${left} s`;
      };
      was.timer = window.setInterval(tick, 250);
      tick();
    }
    playing.set(form, was);
    label(form, "Stop video");
    video.playbackRate = Number(player.querySelector("[data-act=speed]").value);
    video.play().catch(() => {}); // muted playback is allowed without a gesture
  }

  function stop(form, cause) {
    const was = playing.get(form);
    if (!was) return;
    playing.delete(form);
    window.clearInterval(was.timer);
    const video = was.player.querySelector("video");
    video.pause();
    video.removeAttribute("src");
    video.load();
    URL.revokeObjectURL(was.url);
    was.player.hidden = true;
    was.player.querySelector(".player-state").textContent = "";
    label(form, form.dataset.playLabel || "Play video");
    if (was.original) {
      const body = new FormData();
      body.append("csrfmiddlewaretoken", csrf(form));
      body.append("seconds", ((performance.now() - was.since) / 1000).toFixed(1));
      body.append("cause", cause);
      navigator.sendBeacon(form.dataset.reblurredUrl, body);
    }
  }

  function stopAll(cause) {
    Array.from(playing.keys()).forEach((form) => stop(form, cause));
  }
  document.addEventListener("visibilitychange", () => { if (document.hidden) stopAll("hidden"); });
  window.addEventListener("pagehide", () => stopAll("left"));

  document.querySelectorAll("form[data-play]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (playing.has(form)) stop(form, "manual");
      else start(form);
    });
  });

  // A warned item's play button is enabled with its preview, as the reveal buttons are.
  document.querySelectorAll("button[data-show-preview]").forEach((button) => {
    const card = button.closest(".media-card");
    button.addEventListener("click", () => {
      card.querySelectorAll("form[data-play] button").forEach((b) => { b.disabled = false; });
    });
  });

  function seconds(value) {
    return (Math.round(value * 10) / 10).toFixed(1);
  }

  document.querySelectorAll("[data-player-for]").forEach((player) => {
    const video = player.querySelector("video");
    const time = player.querySelector(".time");
    const toggle = player.querySelector("[data-act=toggle]");
    const segment = document.getElementById(`segment-${player.dataset.playerFor}`);
    const marks = { start: null, end: null };

    video.addEventListener("timeupdate", () => {
      const total = Number.isFinite(video.duration) ? ` / ${seconds(video.duration)}` : "";
      time.textContent = `${seconds(video.currentTime)}${total} s`;
    });
    video.addEventListener("play", () => { toggle.textContent = "Pause"; });
    video.addEventListener("pause", () => { toggle.textContent = "Play"; });
    video.addEventListener("volumechange", () => {
      if (player.dataset.audio !== "on" && !video.muted) video.muted = true;
    });
    toggle.addEventListener("click", () => (video.paused ? video.play() : video.pause()));
    player.querySelector("[data-act=back]").addEventListener("click", () => {
      video.currentTime = Math.max(0, video.currentTime - 5);
    });
    player.querySelector("[data-act=forward]").addEventListener("click", () => {
      const end = Number.isFinite(video.duration) ? video.duration : video.currentTime + 5;
      video.currentTime = Math.min(end, video.currentTime + 5);
    });
    player.querySelector("[data-act=speed]").addEventListener("change", (event) => {
      video.playbackRate = Number(event.target.value);
    });
    const sound = player.querySelector("[data-act=sound]");
    if (sound) {
      sound.addEventListener("click", () => {
        video.muted = !video.muted;
        sound.setAttribute("aria-pressed", String(!video.muted));
        sound.textContent = video.muted ? "Sound on" : "Sound off";
      });
    }
    const mark = (which) => {
      marks[which] = video.currentTime;
      if (!segment) return;
      const start = marks.start ?? 0;
      const end = marks.end ?? (Number.isFinite(video.duration) ? video.duration : start);
      segment.value = `${seconds(Math.min(start, end))}-${seconds(Math.max(start, end))}`;
    };
    const markStart = player.querySelector("[data-act=mark-start]");
    const markEnd = player.querySelector("[data-act=mark-end]");
    if (markStart) markStart.addEventListener("click", () => mark("start"));
    if (markEnd) markEnd.addEventListener("click", () => mark("end"));
  });
})();
