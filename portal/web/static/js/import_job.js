// Polls an import job and shows its progress; reloads the page when a phase ends.
(function () {
  var box = document.getElementById("job");
  if (!box || !box.dataset.poll) return;
  var url = box.dataset.poll;
  var stats = document.getElementById("stats");
  var state = box.dataset.state;
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, k) { return values[k]; });
  }
  function duration(seconds) {
    var m = Math.floor(seconds / 60), s = seconds % 60;
    return m ? fill(stats.dataset.duration, {m: m, s: s}) : fill(stats.dataset.seconds, {s: s});
  }
  function poll() {
    fetch(url, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (job) {
        if (job.state !== state) { window.location.reload(); return; }
        var p = job.progress;
        document.getElementById("bar").value = p.fraction;
        var template = job.phase === "verify" ? stats.dataset.suppliers : stats.dataset.rows;
        document.getElementById("done").textContent = fill(template, {done: p.done, total: p.total || "…"});
        document.getElementById("rate").textContent = p.rate_per_second ? fill(stats.dataset.rate, {rate: p.rate_per_second}) : "";
        document.getElementById("left").textContent = p.seconds_left !== null ? fill(stats.dataset.left, {left: duration(p.seconds_left)}) : "";
        setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 2000); });
  }
  setTimeout(poll, 1000);
})();
