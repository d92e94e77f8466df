(function () {
  "use strict";
  var form = document.getElementById("filters");
  var rows = Array.prototype.slice.call(document.querySelectorAll("#results tbody tr"));
  var count = document.getElementById("shown");
  function value(id) { return document.getElementById(id).value; }
  function apply() {
    var status = value("f-status"), check = value("f-check"), region = value("f-region");
    var text = value("f-text").trim().toLowerCase();
    var shown = 0;
    rows.forEach(function (row) {
      var ok = (!status || row.dataset.status === status) &&
        (!check || row.dataset.check === check) &&
        (!region || row.dataset.region === region) &&
        (!text || row.textContent.toLowerCase().indexOf(text) !== -1);
      row.classList.toggle("hidden", !ok);
      row.hidden = !ok;
      if (ok) { shown += 1; }
    });
    count.textContent = shown + " of " + rows.length + " results shown";
    var params = [];
    [["status", status], ["check", check], ["region", region], ["q", text]].forEach(function (p) {
      if (p[1]) { params.push(p[0] + "=" + encodeURIComponent(p[1])); }
    });
    var hash = params.length ? "#" + params.join("&") : "";
    if (location.hash !== hash) { history.replaceState(null, "", hash || location.pathname); }
  }
  function fromHash() {
    location.hash.replace(/^#/, "").split("&").forEach(function (pair) {
      var kv = pair.split("="), v = decodeURIComponent(kv[1] || "");
      var id = { status: "f-status", check: "f-check", region: "f-region", q: "f-text" }[kv[0]];
      if (id) { document.getElementById(id).value = v; }
    });
  }
  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (e) { e.preventDefault(); apply(); });
  document.getElementById("f-reset").addEventListener("click", function () {
    form.reset();
    apply();
  });
  fromHash();
  apply();

  // Remediation tabs (WAI-ARIA tabs pattern): click, arrow keys, Home and End.
  Array.prototype.forEach.call(document.querySelectorAll("[role=tablist]"), function (list) {
    var tabs = Array.prototype.slice.call(list.querySelectorAll("[role=tab]"));
    function select(tab) {
      tabs.forEach(function (t) {
        var on = t === tab;
        t.setAttribute("aria-selected", on ? "true" : "false");
        t.tabIndex = on ? 0 : -1;
        document.getElementById(t.getAttribute("aria-controls")).hidden = !on;
      });
    }
    tabs.forEach(function (tab, i) {
      tab.addEventListener("click", function () { select(tab); });
      tab.addEventListener("keydown", function (e) {
        var next = null;
        if (e.key === "ArrowRight") { next = tabs[(i + 1) % tabs.length]; }
        if (e.key === "ArrowLeft") { next = tabs[(i - 1 + tabs.length) % tabs.length]; }
        if (e.key === "Home") { next = tabs[0]; }
        if (e.key === "End") { next = tabs[tabs.length - 1]; }
        if (next) { e.preventDefault(); select(next); next.focus(); }
      });
    });
    select(tabs[0]);
  });

  // Printing shows every finding's details.
  window.addEventListener("beforeprint", function () {
    Array.prototype.forEach.call(document.querySelectorAll("details"), function (d) { d.open = true; });
  });
})();
