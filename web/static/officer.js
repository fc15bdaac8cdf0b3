// Officer dashboard: refresh each vote's state and turnout from the API
// every 10 seconds, without a page reload. The page works without it.
(function () {
  "use strict";
  var table = document.getElementById("votes");
  if (!table || !window.fetch) { return; }
  var note = document.getElementById("refreshed");
  function set(row, field, text) {
    var cell = row.querySelector('[data-field="' + field + '"]');
    if (cell && cell.textContent !== text) { cell.textContent = text; }
  }
  // chart redraws the turnout-over-time line the way turnoutChart in
  // handlers/pages_officer.go draws it: cumulative share of the eligible
  // members, hour by hour from the opening to now (or the close).
  function chart(row, v) {
    var svg = row.querySelector('[data-field="chart"]');
    if (!svg || !v.eligible || !v.opens_at || ["open", "closed", "published"].indexOf(v.status) < 0) { return; }
    var hour = 3600000;
    var from = Math.floor(Date.parse(v.opens_at) / hour) * hour;
    var to = Date.now();
    if (v.status !== "open" && Date.parse(v.closes_at) < to) { to = Date.parse(v.closes_at); }
    var hours = Math.max(1, Math.floor((Math.floor(to / hour) * hour - from) / hour) + 1);
    var per = [];
    for (var i = 0; i < hours; i++) { per.push(0); }
    var by = v.turnout_by_hour || {};
    Object.keys(by).forEach(function (k) {
      var j = Math.floor((Date.parse(k + ":00:00Z") - from) / hour);
      j = Math.max(0, Math.min(j, hours - 1));
      per[j] += by[k];
    });
    var pts = ["0,30.0"], sum = 0;
    per.forEach(function (n, k) {
      sum += n;
      pts.push((100 * (k + 1) / hours).toFixed(1) + "," + (30 - 30 * sum / v.eligible).toFixed(1));
    });
    svg.querySelector("polyline").setAttribute("points", pts.join(" "));
    svg.setAttribute("aria-label", "Turnout over time: " + (100 * sum / v.eligible).toFixed(1) + "% after " + hours + (hours === 1 ? " hour" : " hours"));
  }
  function refresh() {
    fetch(table.getAttribute("data-refresh"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (body) {
        (body.votes || []).forEach(function (v) {
          var row = table.querySelector('tr[data-vote="' + v.id + '"]');
          if (!row) { return; }
          set(row, "status", v.status);
          set(row, "voted", v.voted + " of " + v.eligible);
          set(row, "turnout", v.turnout_percent.toFixed(1) + "%");
          chart(row, v);
        });
        if (note) { note.textContent = "Turnout updated at " + new Date().toLocaleTimeString("en-US") + "."; }
      })
      .catch(function () {
        if (note) { note.textContent = "Could not refresh the turnout; reload the page."; }
      });
  }
  setInterval(refresh, 10000);
})();
