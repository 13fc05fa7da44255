/*
 * status.js: fills the rnotify status page (status.html) from api/status,
 * and again every few seconds.
 *
 * Every string of the snapshot may come from a Rollout (names,
 * annotations, Event messages), so the page is built with createElement
 * and textContent only: a string is always text, never markup.  (The
 * server's Content-Security-Policy also forbids inline script.)
 */
"use strict";

(function () {
  var REFRESH_MS = 2000;

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function cell(content, cls) {
    var td = el("td", null, cls);
    if (content instanceof Node) td.appendChild(content);
    else if (content !== undefined && content !== null)
      td.textContent = String(content);
    return td;
  }

  /* cells: [content, class] pairs or plain contents */
  function row(cells, cls) {
    var tr = el("tr", null, cls);
    cells.forEach(function (c) {
      tr.appendChild(Array.isArray(c) ? cell(c[0], c[1]) : cell(c));
    });
    return tr;
  }

  function fill(id, rows, empty) {
    var table = document.getElementById(id);
    var body = table.tBodies[0];
    clear(body);
    rows.forEach(function (r) { body.appendChild(r); });
    if (!rows.length) {
      var td = cell(empty, "empty");
      td.colSpan = table.tHead.rows[0].cells.length;
      body.appendChild(el("tr")).appendChild(td);
    }
  }

  function dur(ms) {
    if (ms === undefined || ms === null) return "";
    if (ms < 1000) return ms + "ms";
    var s = Math.round(ms / 100) / 10;
    if (s < 60) return s + "s";
    var m = Math.floor(s / 60);
    if (m < 60) return m + "m" + Math.round(s - 60 * m) + "s";
    return Math.floor(m / 60) + "h" + (m % 60) + "m";
  }

  function when(t) {
    return t ? t.replace("T", " ").replace(/\.\d+Z$/, "Z") : "";
  }

  function rollout(x) {
    return x.namespace ? x.namespace + "/" + x.rollout : x.rollout;
  }

  function dest(service, recipient) {
    return recipient ? service + ":" + recipient : service;
  }

  /* text, then a muted second line */
  function twoLines(main, detail) {
    var span = el("span", main);
    if (detail) span.appendChild(el("span", detail, "detail"));
    return span;
  }

  function tags(list, more) {
    var span = el("span");
    list.forEach(function (t) { span.appendChild(el("span", t, "tag")); });
    if (more) span.appendChild(el("span", "+" + more + " more", "muted"));
    return span;
  }

  function renderSummary(s) {
    var c = s.controller || {};
    var parts = [c.identity || "", c.namespace ? "watching namespace " +
      c.namespace : "watching all namespaces"];
    parts.push(c.synced ? "caches synced" : "syncing caches");
    if (c.dryRun) parts.push("dry run");
    if (c.stopping) parts.push("stopping");
    parts.push(c.decided + " decided, " + c.sent + " sent, " + c.retried +
      " retried, " + c.failed + " failed");
    document.getElementById("summary").textContent = parts.join(" · ");
    document.getElementById("updated").textContent =
      "Snapshot " + when(s.generatedAt);
  }

  function renderLeader(l) {
    var dl = document.getElementById("leader-info");
    clear(dl);
    function pair(k, v) { dl.appendChild(el("dt", k)); dl.appendChild(el("dd", v)); }
    pair("Election", l.election ? "on" : "off (this replica always acts)");
    pair("Leading", l.leading ? "yes" : "no");
    pair("Identity", l.identity);
    if (l.election) {
      pair("Lease", l.leaseNamespace + "/" + l.leaseName);
      pair("Holder", l.holder || "(none)");
    }
  }

  function renderQueue(q) {
    document.getElementById("queue-summary").textContent =
      q.depth + " queued or being sent" +
      (q.depth ? ", oldest " + dur(q.oldestAgeMs) : "") +
      (q.itemsLeftOut ? " (" + q.itemsLeftOut + " not listed)" : "");
    fill("queue-table", q.items.map(function (it) {
      return row([rollout(it), it.trigger, dest(it.service, it.recipient),
        [it.state, "nowrap"], it.attempts, [it.nextRetryInMs ? "in " +
        dur(it.nextRetryInMs) : "", "nowrap"], [dur(it.ageMs), "nowrap"],
        it.lastError], it.lastError ? "error" : "");
    }), "The queue is empty.");
  }

  function renderDeliveries(list) {
    fill("deliveries-table", list.map(function (d) {
      return row([[when(d.time), "nowrap"], rollout(d), d.trigger,
        dest(d.service, d.recipient), [d.result, "result nowrap"],
        d.attempts + (d.requests > d.attempts ? " (" + d.requests +
          " requests)" : ""), [dur(d.tookMs), "nowrap"], d.error], d.result);
    }), "No delivery has finished yet.");
  }

  function eventText(e) {
    if (!e) return "";
    return twoLines(e.reason + (e.count > 1 ? " ×" + e.count : ""),
      e.message);
  }

  function renderDecisions(list) {
    fill("decisions-table", list.map(function (d) {
      return row([[when(d.time), "nowrap"], [d.path, "nowrap"], rollout(d),
        d.trigger,
        eventText(d.event), tags(d.destinations, d.destinationsLeftOut),
        [twoLines(d.reason, d.detail), "outcome"]],
        d.sent ? "sent" : d.outcome === "error" ? "error" : "");
    }), "No decision yet.");
  }

  function position(p) {
    var s = p.line ? "line " + p.line + (p.col ? ", col " + p.col : "") : "";
    if (p.keyLine) s += (s ? " of the value; " : "") + "key at line " + p.keyLine;
    return s;
  }

  function problemTable(list, warnings) {
    var table = el("table");
    var head = table.createTHead().insertRow();
    ["Key", "Position", "Message", warnings ? "" : "Kept last good"]
      .forEach(function (h) { head.appendChild(el("th", h)); });
    var body = table.createTBody();
    list.forEach(function (p) {
      body.appendChild(row([p.key, position(p), p.message,
        warnings ? "" : p.keptLastGood ? "yes" : "no"],
        warnings ? "" : "error"));
    });
    return table;
  }

  function renderConfig(list) {
    var box = document.getElementById("config-list");
    clear(box);
    list.forEach(function (n) {
      box.appendChild(el("h3", "Namespace " + n.namespace + ": " +
        n.configMap));
      box.appendChild(el("p", !n.found ? "ConfigMap not found: nothing " +
        "is sent for this namespace." : n.loaded ? "Loaded (generation " +
        n.generation + "): " + n.templates + " templates, " + n.triggers +
        " triggers, " + n.services + " services." : "Not loaded.",
        n.found ? "" : "error"));
      box.appendChild(n.errors.length ? problemTable(n.errors, false) :
        el("p", "No errors.", "muted"));
      if (n.warnings.length) {
        box.appendChild(el("p", "Warnings:"));
        box.appendChild(problemTable(n.warnings, true));
      }
    });
    if (!list.length) box.appendChild(el("p", "No configuration read yet.",
      "muted"));
  }

  function render(s) {
    renderSummary(s);
    renderLeader(s.leader || {});
    renderQueue(s.queue || { depth: 0, items: [] });
    renderDeliveries(s.deliveries || []);
    renderDecisions(s.decisions || []);
    renderConfig(s.config || []);
    var err = document.getElementById("error");
    err.hidden = true;
    document.body.setAttribute("data-state", "ready");
    document.body.setAttribute("data-generated", s.generatedAt || "");
  }

  function fail(e) {
    var err = document.getElementById("error");
    err.textContent = "Cannot read api/status: " + e.message;
    err.hidden = false;
  }

  function load() {
    fetch("api/status", { cache: "no-store", credentials: "same-origin" })
      .then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.json();
      })
      .then(render, fail)
      .then(function () { setTimeout(load, REFRESH_MS); });
  }

  load();
})();
