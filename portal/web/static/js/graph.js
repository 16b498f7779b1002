// Draws the supplier's neighbourhood from the JSON in #graph-data (a small force layout).
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("graph-data").textContent);
  var svg = document.getElementById("graph"), NS = "http://www.w3.org/2000/svg";
  var W = 1000, H = 560, colours = {supplier: "#123a63", contract: "#2f855a", invoice: "#b7791f",
    store: "#6b46c1", bank_account: "#c53030", contact: "#2b6cb0"};
  var nodes = data.nodes.map(function (n, i) {
    var a = 2 * Math.PI * i / data.nodes.length;
    return {id: n.id, kind: n.kind, label: n.label, center: n.id === data.center,
            x: W / 2 + (n.id === data.center ? 0 : 220 * Math.cos(a)),
            y: H / 2 + (n.id === data.center ? 0 : 200 * Math.sin(a)), vx: 0, vy: 0};
  });
  var byId = {}; nodes.forEach(function (n) { byId[n.id] = n; });
  var edges = data.edges.filter(function (e) { return byId[e.source] && byId[e.target]; });
  for (var step = 0; step < 300; step++) {          // a small force layout, run to rest
    nodes.forEach(function (a) {
      nodes.forEach(function (b) {
        if (a === b) return;
        var dx = a.x - b.x, dy = a.y - b.y, d2 = dx * dx + dy * dy + 0.01;
        a.vx += 900 * dx / d2; a.vy += 900 * dy / d2;
      });
    });
    edges.forEach(function (e) {
      var s = byId[e.source], t = byId[e.target], dx = t.x - s.x, dy = t.y - s.y;
      var d = Math.sqrt(dx * dx + dy * dy) + 0.01, f = (d - 120) * 0.02;
      s.vx += f * dx / d; s.vy += f * dy / d; t.vx -= f * dx / d; t.vy -= f * dy / d;
    });
    nodes.forEach(function (n) {
      if (n.center) { n.x = W / 2; n.y = H / 2; n.vx = n.vy = 0; return; }
      n.x = Math.max(40, Math.min(W - 40, n.x + n.vx * 0.5));
      n.y = Math.max(20, Math.min(H - 20, n.y + n.vy * 0.5));
      n.vx *= 0.6; n.vy *= 0.6;
    });
  }
  function el(name, attrs, text) {
    var e = document.createElementNS(NS, name);
    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text) e.textContent = text;
    svg.appendChild(e); return e;
  }
  edges.forEach(function (e) {
    var s = byId[e.source], t = byId[e.target];
    el("line", {x1: s.x, y1: s.y, x2: t.x, y2: t.y, stroke: e.kind === "possible_duplicate" ||
       e.kind.indexOf("shares") === 0 || e.kind === "same_legal_rep_address" ? "#e53e3e" : "#cbd5e0",
       "stroke-width": 1.5});
    el("text", {x: (s.x + t.x) / 2, y: (s.y + t.y) / 2, "font-size": 9, fill: "#718096"}, e.kind);
  });
  nodes.forEach(function (n) {
    var r = n.center ? 14 : (n.kind === "supplier" ? 10 : 7);
    var c = el("circle", {cx: n.x, cy: n.y, r: r, fill: colours[n.kind] || "#4a5568"});
    el("title", {}, n.kind + ": " + n.label); c.appendChild(svg.lastChild);
    var a = n.kind === "supplier" && !n.center ? el("a", {href: "/staff/suppliers/" + n.id.slice(9) + "/graph"}) : null;
    var label = el("text", {x: n.x + r + 3, y: n.y + 4, "font-size": 11, fill: "#1f2937"}, n.label);
    if (a) { a.appendChild(label); }
  });
})();
