// Polls the licence-reading job and reloads the page when it is done.
(function () {
  var box = document.getElementById("job");
  if (!box || !box.dataset.poll) return;
  var url = box.dataset.poll;
  var stages = JSON.parse(box.dataset.stages || "{}");
  function poll() {
    fetch(url, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (job) {
        document.getElementById("progress").value = job.progress;
        document.getElementById("stage").textContent = stages[job.stage] || job.stage;
        if (job.state === "done" || job.state === "failed") { window.location.reload(); }
        else { setTimeout(poll, 1000); }
      })
      .catch(function () { setTimeout(poll, 1000); });
  }
  setTimeout(poll, 1000);
})();
