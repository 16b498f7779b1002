// The licence image on the approval page: a click zooms it in place (whole page width, then
// 2x with scrolling); another click or Esc returns. Without JavaScript the link opens the
// full-size image in a new tab. Buttons and state are data- attributes on #licence-zoom.
(function () {
  const box = document.getElementById("licence-zoom");
  const link = document.getElementById("licence-link");
  const img = document.getElementById("licence-image");
  if (!box || !link || !img) return;
  const levels = ["", "fit", "double"];
  function show(level) {
    box.dataset.zoom = level;
    box.classList.toggle("zoomed", level !== "");
    box.setAttribute("aria-expanded", level !== "" ? "true" : "false");
    const out = document.getElementById("licence-zoom-out");
    if (out) out.hidden = level === "";
    if (level === "") link.focus();
  }
  function next() {
    const at = levels.indexOf(box.dataset.zoom || "");
    show(levels[(at + 1) % levels.length]);
  }
  link.addEventListener("click", function (event) {
    if (event.ctrlKey || event.metaKey || event.shiftKey) return; // new tab as the user asked
    event.preventDefault();
    next();
  });
  const zoomIn = document.getElementById("licence-zoom-in");
  if (zoomIn) zoomIn.addEventListener("click", next);
  const zoomOut = document.getElementById("licence-zoom-out");
  if (zoomOut) zoomOut.addEventListener("click", function () { show(""); });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && box.dataset.zoom) show("");
  });
  show("");
})();
