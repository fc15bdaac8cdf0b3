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
        });
        if (note) { note.textContent = "Turnout updated at " + new Date().toLocaleTimeString("en-US") + "."; }
      })
      .catch(function () {
        if (note) { note.textContent = "Could not refresh the turnout; reload the page."; }
      });
  }
  setInterval(refresh, 10000);
})();
