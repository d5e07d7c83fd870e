// hero_svc dashboard: live updates. Every page works without this script; it only keeps
// the open page current (the stack by polling, a run and a log by server-sent events).
(function () {
  "use strict";
  var page = document.body.getAttribute("data-page");
  // Every URL relative to the dashboard's root as the page names it (`./`, `../`), so the
  // dashboard works mounted under a prefix too.
  var root = document.body.getAttribute("data-root") || "./";
  var live = document.getElementById("live");
  function setLive(on, text) {
    if (!live) return;
    live.textContent = text || (on ? "live" : "not live");
    live.className = on ? "live" : "live off";
  }

  // The stack: the rows of /stack.json every 2 s while the page is visible (on a
  // service's page, its own row: the badges of its state and health).
  function pollStack() {
    var timer = null;
    function apply(rows) {
      var healthy = 0;
      rows.forEach(function (r) {
        if (r.health === "healthy") healthy++;
        var tr = document.querySelector('tr[data-service="' + CSS.escape(r.name) + '"]');
        if (!tr && page === "service" && document.body.getAttribute("data-service") === r.name) {
          tr = document.querySelector("h1");
        }
        if (!tr) return;
        ["state", "health", "version", "freshness", "pids", "uptime", "restarts"].forEach(function (f) {
          var td = tr.querySelector('[data-field="' + f + '"]');
          if (td) td.textContent = String(r[f]);
        });
        var st = tr.querySelector('[data-field="state"]');
        var badge = page === "service" ? "badge " : "";
        if (st) st.className = badge + "state " + r.state_class;
        var he = tr.querySelector('[data-field="health"]');
        if (he) { he.className = badge + "health " + r.health; he.title = r.health_detail; }
        var fr = tr.querySelector('[data-field="freshness"]');
        if (fr) { fr.className = badge + "freshness " + r.freshness_class; fr.title = r.freshness_detail; }
        var why = document.querySelector('[data-field="freshness_detail"]');
        if (why && page === "service") why.textContent = r.freshness_detail;
      });
      var summary = document.getElementById("summary");
      if (summary) summary.textContent = rows.length + " services, " + healthy + " healthy";
      var updated = document.getElementById("updated");
      if (updated) updated.textContent = new Date().toISOString().replace("T", " ").slice(0, 19) + " UTC";
    }
    function tick() {
      timer = null;
      if (document.hidden) return;
      fetch(root + "stack.json", { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
        .then(function (v) { apply(v.services || []); if (page === "stack") setLive(true); })
        .catch(function () { if (page === "stack") setLive(false, "not live (the daemon did not answer)"); })
        .then(function () { if (!timer) timer = setTimeout(tick, 2000); });
    }
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden && !timer) tick();
    });
    timer = setTimeout(tick, 2000);
  }

  // A run: each event recolours its task in the DAG; at the end, the report part of the
  // page (timeline, failures) is fetched and put in place.
  function followRun() {
    var id = document.body.getAttribute("data-execution");
    var cursor = document.body.getAttribute("data-cursor") || "0";
    var tasks = {};
    document.querySelectorAll("#dag g.task").forEach(function (g) {
      tasks[g.getAttribute("data-key")] = g;
    });
    function mark(key, status) {
      var g = tasks[key];
      if (!g) return;
      var keep = (g.getAttribute("class") || "").split(/\s+/).filter(function (c) {
        return c === "task" || c === "fallback";
      });
      keep.push(status);
      g.setAttribute("class", keep.join(" "));
      g.setAttribute("data-status", status);
    }
    function statusClass(s) { return s === "up_to_date" ? "up_to_date" : s; }
    if (document.body.getAttribute("data-finished") === "true") { setLive(false, "finished"); return; }
    var source = new EventSource(root + "executions/" + encodeURIComponent(id) + "/sse?cursor=" + cursor);
    source.onopen = function () { setLive(true); };
    source.onmessage = function (m) {
      var e;
      try { e = JSON.parse(m.data); } catch (_) { return; }
      if (e.event === "task_started") mark(e.task, "running");
      else if (e.event === "task_finished" || e.event === "task_skipped") mark(e.task, statusClass(e.status));
      else if (e.event === "run_finished") {
        var s = document.getElementById("run-status");
        if (s) { s.textContent = e.status; s.className = "badge status " + e.status; }
      }
    };
    source.addEventListener("end", function () {
      source.close();
      setLive(false, "finished");
      fetch(location.href, { credentials: "same-origin" })
        .then(function (r) { return r.text(); })
        .then(function (html) {
          var doc = new DOMParser().parseFromString(html, "text/html");
          ["report", "run-status", "run-duration"].forEach(function (id) {
            var fresh = doc.getElementById(id), old = document.getElementById(id);
            if (fresh && old) old.replaceWith(fresh);
          });
          document.body.setAttribute("data-finished", "true");
        })
        .catch(function () {});
    });
    source.onerror = function () { setLive(false, "reconnecting…"); };
  }

  // A service: new log lines as they come (the last 1,000 kept on the page).
  function followLog() {
    var name = document.body.getAttribute("data-service");
    var log = document.getElementById("log");
    if (!log) return;
    log.scrollTop = log.scrollHeight;
    var source = new EventSource(root + "services/" + encodeURIComponent(name) + "/logs/sse");
    source.onopen = function () { setLive(true); };
    source.onmessage = function (m) {
      var v;
      try { v = JSON.parse(m.data); } catch (_) { return; }
      var atEnd = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
      var div = document.createElement("div");
      div.className = "line new";
      var proc = document.createElement("span");
      proc.className = "proc";
      proc.textContent = v.process;
      div.appendChild(proc);
      div.appendChild(document.createTextNode(" " + v.line));
      log.appendChild(div);
      while (log.childElementCount > 1000) log.removeChild(log.firstElementChild);
      if (atEnd) log.scrollTop = log.scrollHeight;
    };
    source.onerror = function () { setLive(false, "reconnecting…"); };
  }

  if (page === "stack") pollStack();
  else if (page === "run") followRun();
  else if (page === "service") { followLog(); pollStack(); }
})();
