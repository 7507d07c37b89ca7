// The office page: one row per person (story). Counts down to each standing release every second, filters
// rows, follows the live feed (GET /v1/alerts/live) and, when something happens to a story, swaps in its row
// as the server renders and escapes it (/offices/{office}/stories/{story_id}): one renderer, on the server.
// Acknowledges, resolves, confirms and rejects through the alert endpoints. Text it writes itself goes in
// with textContent only.
"use strict";
(() => {
  const body = document.body;
  const office = body.dataset.office;
  let lastEventId = body.dataset.since;
  const stories = document.getElementById("stories");
  const feedStatus = document.getElementById("feed-status");
  const pageError = document.getElementById("page-error");
  const noStories = document.getElementById("no-stories");
  const filters = document.getElementById("filters");
  const counts = document.getElementById("counts");
  // Every message the live feed carries; each one names the alert, and so the story, it is about.
  const FED = [
    "alert_raised",
    "alert_reminded",
    "alert_escalated",
    "alert_updated",
    "alert_acknowledged",
    "alert_resolved",
    "alert_reviewed",
  ];
  const SOON_MS = 4 * 3600 * 1000; // a release this close is shown as urgent
  const DAY_MS = 24 * 3600 * 1000; // "releases in the next 24 h"
  const RETRY_MS = 5000; // after the feed refused us (e.g. the server restarting)
  const REFRESH_MS = 150; // messages about one story arriving together refresh it once

  const two = (n) => String(n).padStart(2, "0");
  function clock(ms) {
    const s = Math.floor(Math.abs(ms) / 1000);
    const days = Math.floor(s / 86400);
    const time = `${two(Math.floor((s % 86400) / 3600))}:${two(Math.floor((s % 3600) / 60))}:${two(s % 60)}`;
    return days ? `${days} d ${time}` : time;
  }
  // As the server says it (span_in_words): 45 min, 5 h, 3 d.
  function inWords(ms) {
    const minutes = Math.max(Math.floor(Math.abs(ms) / 60000), 0);
    if (minutes < 60) return `${minutes} min`;
    if (minutes < 48 * 60) return `${Math.floor(minutes / 60)} h`;
    return `${Math.floor(minutes / 1440)} d`;
  }

  function tick() {
    const now = Date.now();
    for (const el of document.querySelectorAll("time.countdown")) {
      const left = Date.parse(el.dataset.releaseAt) - now;
      el.classList.toggle("overdue", left <= 0);
      el.classList.toggle("soon", left > 0 && left < SOON_MS);
      el.textContent = left > 0 ? `release in ${clock(left)}` : `release time passed ${clock(left)} ago`;
      el.title = `release ${new Date(el.dataset.releaseAt).toLocaleString()}`;
    }
    for (const el of stories.querySelectorAll("span[data-happened-at]")) {
      const ago = inWords(now - Date.parse(el.dataset.happenedAt));
      el.textContent = el.textContent.replace(/\d+ (min|h|d) ago/, `${ago} ago`);
    }
    applyFilters();
  }

  function wanted(name) {
    const box = filters.elements.namedItem(name);
    return Boolean(box && box.checked);
  }

  function admits(story, now) {
    if (wanted("open") && Number(story.dataset.unresolved) === 0) return false;
    if (wanted("soon")) {
      const at = story.dataset.releaseAt;
      if (!at || Date.parse(at) - now > DAY_MS) return false;
    }
    return !(wanted("review") && story.dataset.review !== "1");
  }

  function applyFilters() {
    const now = Date.now();
    const all = [...stories.querySelectorAll("details.story")];
    let shown = 0;
    for (const story of all) {
      const admitted = admits(story, now);
      story.hidden = !admitted;
      if (admitted) shown += 1;
    }
    noStories.hidden = shown > 0;
    const soon = all.filter((s) => s.dataset.releaseAt && Date.parse(s.dataset.releaseAt) - now <= DAY_MS);
    const open = all.reduce((sum, s) => sum + s.querySelectorAll("li.alert.status-open").length, 0);
    const parts = [
      `${all.length} people`,
      `${open} open alerts`,
      `${soon.length} releases within 24 h`,
      `${all.filter((s) => s.dataset.review === "1").length} possible matches to review`,
    ];
    counts.querySelectorAll("span").forEach((span, i) => {
      if (parts[i] !== undefined) span.textContent = parts[i];
    });
  }

  filters.addEventListener("change", () => {
    const query = new URLSearchParams();
    for (const name of ["open", "soon", "review"]) if (wanted(name)) query.set(name, "1");
    history.replaceState(null, "", query.toString() ? `?${query}` : location.pathname);
    applyFilters();
  });

  // --- live: a story's row, as the server renders it --------------------------------------------

  const refreshing = new Set(); // story ids whose row is being read again

  // Rows stay in the order the server gives them (most urgent first): each row's data-urgency sorts as text.
  function place(row) {
    const key = row.dataset.urgency || "";
    for (const other of stories.querySelectorAll("details.story")) {
      if (other !== row && (other.dataset.urgency || "") > key) {
        stories.insertBefore(row, other);
        return;
      }
    }
    stories.append(row);
  }

  async function refreshStory(storyId) {
    const answer = await fetch(`/offices/${encodeURIComponent(office)}/stories/${encodeURIComponent(storyId)}`, {
      credentials: "same-origin",
      headers: { Accept: "text/html" },
    });
    if (!answer.ok) throw new Error(`reading the story failed (${answer.status})`);
    const parsed = new DOMParser().parseFromString(await answer.text(), "text/html");
    const fresh = parsed.querySelector("details.story");
    if (!fresh) return;
    const row = document.importNode(fresh, true);
    const existing = document.getElementById(row.id);
    let refocus = null;
    if (existing) {
      row.open = existing.open;
      refocus = keepWhatWasTyped(existing, row);
      if (existing.classList.contains("fresh")) row.classList.add("fresh");
      existing.remove();
    } else {
      row.classList.add("fresh");
    }
    place(row);
    // In the same task as the swap: a keystroke the browser delivers next lands in the new row, never nowhere.
    if (refocus) refocus();
    tick();
  }

  // A row swapped in while the officer fills in a resolution keeps what they chose and typed, and the focus
  // (returned as what to do once the new row is in the page: focus it, the caret where it was).
  function keepWhatWasTyped(from, to) {
    const focused = document.activeElement;
    let refocus = null;
    for (const form of from.querySelectorAll("form.resolve")) {
      const again = to.querySelector(`form.resolve[data-alert-id="${CSS.escape(form.dataset.alertId)}"]`);
      if (!again) continue;
      for (const name of ["outcome", "note"]) {
        const before = form.elements.namedItem(name);
        const after = again.elements.namedItem(name);
        after.value = before.value;
        if (before === focused) {
          const caret = "selectionStart" in before ? [before.selectionStart, before.selectionEnd] : null;
          refocus = () => {
            after.focus();
            if (caret && caret[0] !== null) after.setSelectionRange(caret[0], caret[1]);
          };
        }
      }
    }
    return refocus;
  }

  function storyChanged(storyId) {
    if (!storyId || refreshing.has(storyId)) return;
    refreshing.add(storyId);
    setTimeout(() => {
      refreshing.delete(storyId);
      refreshStory(storyId).catch((error) => {
        pageError.textContent = String(error.message || error);
      });
    }, REFRESH_MS);
  }

  // --- what the duty officer does ------------------------------------------------------------------

  async function act(path, payload) {
    pageError.textContent = "";
    const headers = { "X-Requested-With": "releasewatch", Accept: "application/json" };
    if (payload) headers["Content-Type"] = "application/json";
    const answer = await fetch(path, {
      method: "POST",
      credentials: "same-origin",
      headers,
      body: payload ? JSON.stringify(payload) : undefined,
    });
    const document_ = await answer.json();
    if (!answer.ok) throw new Error(document_.detail || `failed (${answer.status})`);
    return document_;
  }

  async function run(control, path, payload) {
    control.disabled = true;
    try {
      const alert = await act(path, payload);
      if (alert.story_id) await refreshStory(alert.story_id);
      else location.reload(); // an alert from before stories: the page as a whole shows it
    } catch (error) {
      pageError.textContent = String(error.message || error);
      control.disabled = false;
    }
  }

  stories.addEventListener("click", (event) => {
    const button = event.target.closest("button.ack, button.confirm, button.reject");
    if (!button) return;
    const step = button.classList.contains("ack") ? "ack" : button.classList.contains("confirm") ? "confirm" : "reject";
    run(button, `/v1/alerts/${encodeURIComponent(button.dataset.alertId)}/${step}`);
  });

  stories.addEventListener("submit", (event) => {
    const form = event.target.closest("form.resolve");
    if (!form) return;
    event.preventDefault();
    const note = form.elements.namedItem("note").value.trim();
    const payload = { outcome: form.elements.namedItem("outcome").value };
    if (note) payload.note = note;
    run(form.querySelector("button"), `/v1/alerts/${encodeURIComponent(form.dataset.alertId)}/resolve`, payload);
  });

  function setFeedStatus(text, state) {
    feedStatus.textContent = text;
    feedStatus.className = `feed-status ${state}`;
  }

  function follow() {
    const url = `/v1/alerts/live?field_office=${encodeURIComponent(office)}&since=${encodeURIComponent(lastEventId)}`;
    const source = new EventSource(url, { withCredentials: true });
    source.onopen = () => setFeedStatus("live: changes appear here as they happen", "live");
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) {
        // Refused (not the network dropping): the browser gives up, so we try again ourselves.
        setFeedStatus("live feed lost; retrying…", "down");
        setTimeout(follow, RETRY_MS);
      } else {
        setFeedStatus("live feed interrupted; reconnecting…", "down");
      }
    };
    for (const type of FED) {
      source.addEventListener(type, (event) => {
        if (event.lastEventId) lastEventId = event.lastEventId;
        const alert = JSON.parse(event.data).alert;
        if (alert.field_office === office) storyChanged(alert.story_id);
      });
    }
  }

  tick();
  setInterval(tick, 1000);
  follow();
})();
