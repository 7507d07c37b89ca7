// The operators' page: fetches its panel again every few seconds, draws throughput and alerts raised per
// minute from the stream counters the panel carries, and sends replays, discards and hold decisions to the
// /v1/ops endpoints on the strength of the sign-in cookie. Everything shown from data is rendered (and escaped)
// by the server; this script only moves it, and writes numbers as text.
"use strict";

(() => {
  const main = document.getElementById("ops");
  const live = document.getElementById("live");
  const pageError = document.getElementById("page-error");
  const everyMs = Number(main.dataset.everyMs) || 5000;
  const KEPT = 120; // samples: ten minutes at the default pace
  const SVG = "http://www.w3.org/2000/svg";
  const samples = [];

  const number = (text) => (text === "" || text === undefined ? null : Number(text));

  function sample(panel) {
    samples.push({
      at: number(panel.dataset.at),
      custodyAdded: number(panel.dataset.custodyAdded),
      custodyRead: number(panel.dataset.custodyRead),
      alertsAdded: number(panel.dataset.alertsAdded),
    });
    if (samples.length > KEPT) samples.shift();
  }

  // Per minute between consecutive samples; null where a counter is unknown or went back (Redis restarted).
  function rates(field) {
    const out = [];
    for (let i = 1; i < samples.length; i += 1) {
      const before = samples[i - 1];
      const after = samples[i];
      const span = after.at - before.at;
      const a = before[field];
      const b = after[field];
      out.push(a === null || b === null || b < a || span <= 0 ? null : ((b - a) * 60000) / span);
    }
    return out;
  }

  function draw(chartId, series) {
    const svg = document.getElementById(chartId);
    const latest = document.getElementById(`${chartId}-latest`);
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    const all = series.flatMap((s) => s.values.filter((v) => v !== null));
    if (all.length === 0) {
      latest.textContent = samples.length < 2 ? "measuring…" : "not known: this Redis does not count entries added";
      return;
    }
    const top = Math.max(1, ...all);
    const width = 300;
    const height = 80;
    const step = width / Math.max(1, KEPT - 1);
    const words = [];
    for (const s of series) {
      const points = [];
      s.values.forEach((value, index) => {
        if (value === null) return;
        const x = width - (s.values.length - 1 - index) * step;
        points.push(`${x.toFixed(1)},${(height - (value / top) * (height - 4)).toFixed(1)}`);
      });
      const line = document.createElementNS(SVG, "polyline");
      line.setAttribute("points", points.join(" "));
      line.setAttribute("class", `series ${s.css}`);
      const last = s.values[s.values.length - 1];
      line.dataset.latest = last === null ? "" : String(Math.round(last));
      svg.appendChild(line);
      words.push(`${s.name} ${last === null ? "-" : Math.round(last).toLocaleString("en-US")}/min`);
    }
    latest.textContent = `${words.join(" · ")} (peak ${Math.round(top).toLocaleString("en-US")}/min)`;
  }

  function drawCharts() {
    draw("chart-custody", [
      { name: "accepted", css: "accepted", values: rates("custodyAdded") },
      { name: "processed", css: "processed", values: rates("custodyRead") },
    ]);
    draw("chart-alerts", [{ name: "raised", css: "raised", values: rates("alertsAdded") }]);
  }

  // A section the operator is typing in stays as it is until they are done; open messages stay open.
  function busy(section) {
    if (section.contains(document.activeElement) && document.activeElement.tagName === "INPUT") return true;
    return [...section.querySelectorAll("input")].some((input) => input.value.trim() !== "");
  }

  function swapIn(fresh) {
    const current = document.getElementById("panel");
    const open = new Set([...current.querySelectorAll("li.dead-letter details[open]")].map((d) => d.closest("li").dataset.id));
    for (const section of [...fresh.querySelectorAll(":scope > section")]) {
      const old = current.querySelector(`:scope > section#${section.id}`);
      if (old && busy(old)) continue;
      section.querySelectorAll("li.dead-letter").forEach((li) => {
        if (open.has(li.dataset.id)) li.querySelector("details").open = true;
      });
      if (old) old.replaceWith(section);
      else current.appendChild(section);
    }
    for (const name of ["at", "custodyAdded", "custodyRead", "alertsAdded"]) current.dataset[name] = fresh.dataset[name];
  }

  async function refresh() {
    try {
      const answer = await fetch("/ops/panel", { credentials: "same-origin", headers: { Accept: "text/html" } });
      if (answer.status === 401 || answer.status === 403) {
        live.textContent = "signed out: reload the page to sign in";
        live.className = "feed-status down";
        return;
      }
      if (!answer.ok) throw new Error(`the panel answered ${answer.status}`);
      const parsed = new DOMParser().parseFromString(await answer.text(), "text/html");
      const fresh = parsed.getElementById("panel");
      swapIn(fresh);
      sample(fresh);
      drawCharts();
      live.textContent = `live, updated ${new Date().toLocaleTimeString("en-GB")}`;
      live.className = "feed-status live";
    } catch (error) {
      live.textContent = `not updating: ${error.message}; retrying`;
      live.className = "feed-status down";
    }
  }

  async function send(path, payload) {
    const answer = await fetch(path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-Requested-With": "releasewatch" },
      body: payload ? JSON.stringify(payload) : undefined,
    });
    let document_ = {};
    try {
      document_ = await answer.json();
    } catch (_) {
      document_ = {};
    }
    if (!answer.ok) throw new Error(document_.detail || `${answer.status} ${answer.statusText}`);
    return document_;
  }

  function said(text) {
    pageError.textContent = text;
    pageError.classList.toggle("notice", true);
  }

  function failed(text) {
    pageError.textContent = text;
    pageError.classList.toggle("notice", false);
  }

  main.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button) return;
    const action = button.dataset.action;
    try {
      if (action === "replay") {
        const view = await send(`/v1/ops/dead-letters/${encodeURIComponent(button.dataset.id)}/replay`);
        said(`Dead letter ${view.id} replayed as ${view.disposition.replayed_as}.`);
      } else if (action === "discard") {
        const reason = button.closest(".actions").querySelector(".reason-input").value.trim();
        if (!reason) return failed("Say why the message will not be processed, then discard it.");
        const view = await send(`/v1/ops/dead-letters/${encodeURIComponent(button.dataset.id)}/discard`, { reason });
        said(`Dead letter ${view.id} discarded.`);
      } else if (action === "deliver" || action === "discard-hold") {
        const note = button.closest(".hold").querySelector(".note-input").value.trim();
        if (!note) return failed("Say what you found out, then decide.");
        const decided = action === "deliver" ? "deliver" : "discard";
        await send(`/v1/ops/feeds/${encodeURIComponent(button.dataset.ori)}/hold`, { action: decided, note });
        said(`${button.dataset.ori}: ${decided} decided; the notifier carries it out at its next check.`);
      }
      button.closest("li, .hold").querySelectorAll("input").forEach((input) => {
        input.value = "";
      });
      await refresh();
    } catch (error) {
      failed(error.message);
    }
  });

  sample(document.getElementById("panel"));
  setInterval(refresh, everyMs);
})();
