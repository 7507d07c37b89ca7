// The office page: counts down to each release every second, adds and updates alerts from the live
// feed (GET /v1/alerts/live) without a reload, and acknowledges alerts. Rows are built with
// textContent only: names are data, never markup.
"use strict";
(() => {
  const body = document.body;
  const office = body.dataset.office;
  let lastEventId = body.dataset.since;
  const table = document.getElementById("alerts-table");
  const rows = document.getElementById("alerts");
  const feedStatus = document.getElementById("feed-status");
  const pageError = document.getElementById("page-error");
  const KINDS = {
    in_custody: "in custody",
    release_scheduled: "release scheduled",
    released: "released",
    transferred: "transferred",
    possible_match: "possible match",
  };
  const SOON_MS = 4 * 3600 * 1000; // a release this close is shown as urgent
  const RETRY_MS = 5000; // after the feed refused us (e.g. the server restarting)

  const two = (n) => String(n).padStart(2, "0");
  function span(ms) {
    const s = Math.floor(Math.abs(ms) / 1000);
    const days = Math.floor(s / 86400);
    const clock = `${two(Math.floor((s % 86400) / 3600))}:${two(Math.floor((s % 3600) / 60))}:${two(s % 60)}`;
    return days ? `${days} d ${clock}` : clock;
  }
  const local = (iso) => (iso ? new Date(iso).toLocaleString() : "");

  function tick() {
    const now = Date.now();
    for (const el of document.querySelectorAll("time.countdown")) {
      const left = Date.parse(el.dateTime) - now;
      el.classList.toggle("overdue", left <= 0);
      el.classList.toggle("soon", left > 0 && left < SOON_MS);
      el.textContent = left > 0 ? `in ${span(left)}` : `release time passed ${span(left)} ago`;
      el.title = `release ${local(el.dateTime)}`;
    }
    for (const el of document.querySelectorAll("td.raised time, span.released time")) {
      el.textContent = local(el.dateTime);
    }
    table.classList.toggle("empty", rows.children.length === 0);
  }

  function personName(person) {
    if (!person) return "(no name)";
    const given = [person.first_name, person.middle_name].filter(Boolean).join(" ");
    return [person.last_name, given].filter(Boolean).join(", ");
  }

  function element(tag, className, text) {
    const el = document.createElement(tag);
    if (className) el.className = className;
    if (text !== undefined) el.textContent = text;
    return el;
  }

  function timeElement(iso, className) {
    const el = element("time", className, iso);
    el.dateTime = iso;
    return el;
  }

  function releaseCell(alert) {
    const td = element("td", "release");
    if (alert.kind === "released") {
      const state = element("span", "state released", "released ");
      if (alert.released_at) state.append(timeElement(alert.released_at));
      td.append(state);
    } else if (alert.kind === "release_scheduled" && alert.scheduled_release_at) {
      const countdown = timeElement(alert.scheduled_release_at, "countdown");
      countdown.dataset.releaseAt = alert.scheduled_release_at;
      td.append(countdown);
    } else {
      td.append(element("span", "state", "no release time known"));
    }
    return td;
  }

  function stateCell(alert) {
    const td = element("td", "state");
    td.append(element("span", "status", alert.status));
    if (alert.status === "open" && alert.kind !== "possible_match") {
      const button = element("button", "ack", "Acknowledge");
      button.type = "button";
      button.dataset.alertId = alert.alert_id;
      td.append(" ", button);
    } else if (alert.status === "acknowledged" && alert.acknowledged_by) {
      td.append(" ", element("span", "by", `by ${alert.acknowledged_by}`));
    }
    return td;
  }

  function rowOf(alert) {
    const tr = element("tr", `alert kind-${alert.kind} status-${alert.status}`);
    tr.id = `alert-${alert.alert_id}`;
    tr.dataset.alertId = alert.alert_id;
    const raised = element("td", "raised");
    raised.append(timeElement(alert.raised_at));
    tr.append(
      releaseCell(alert),
      element("td", "name", personName(alert.person)),
      element("td", "kind", KINDS[alert.kind] || alert.kind),
      element("td", "facility", alert.facility_ori),
      element("td", "booking", alert.booking_number),
      element("td", "detainer", alert.detainer_id),
      raised,
      stateCell(alert),
    );
    if (alert.escalation_level) tr.classList.add("escalated");
    return tr;
  }

  function show(alert, fresh) {
    if (alert.field_office !== office) return;
    const existing = document.getElementById(`alert-${alert.alert_id}`);
    if (alert.status === "resolved") {
      if (existing) existing.remove();
    } else {
      const tr = rowOf(alert);
      if (fresh) tr.classList.add("fresh");
      if (existing) existing.replaceWith(tr);
      else rows.prepend(tr);
    }
    tick();
  }

  async function acknowledge(button) {
    button.disabled = true;
    pageError.textContent = "";
    try {
      const answer = await fetch(`/v1/alerts/${encodeURIComponent(button.dataset.alertId)}/ack`, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-Requested-With": "releasewatch", Accept: "application/json" },
      });
      const document_ = await answer.json();
      if (answer.ok) show(document_, false);
      else pageError.textContent = document_.detail || `acknowledging failed (${answer.status})`;
    } catch (error) {
      pageError.textContent = `acknowledging failed: ${error}`;
    } finally {
      button.disabled = false;
    }
  }

  rows.addEventListener("click", (event) => {
    const button = event.target.closest("button.ack");
    if (button) acknowledge(button);
  });

  function setFeedStatus(text, state) {
    feedStatus.textContent = text;
    feedStatus.className = `feed-status ${state}`;
  }

  function follow() {
    const url = `/v1/alerts/live?field_office=${encodeURIComponent(office)}&since=${encodeURIComponent(lastEventId)}`;
    const source = new EventSource(url, { withCredentials: true });
    source.onopen = () => setFeedStatus("live: new alerts appear here as they are raised", "live");
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) {
        // Refused (not the network dropping): the browser gives up, so we try again ourselves.
        setFeedStatus("live feed lost; retrying…", "down");
        setTimeout(follow, RETRY_MS);
      } else {
        setFeedStatus("live feed interrupted; reconnecting…", "down");
      }
    };
    for (const type of ["alert_raised", "alert_reminded", "alert_escalated"]) {
      source.addEventListener(type, (event) => {
        if (event.lastEventId) lastEventId = event.lastEventId;
        show(JSON.parse(event.data).alert, type === "alert_raised");
      });
    }
  }

  tick();
  setInterval(tick, 1000);
  follow();
})();
