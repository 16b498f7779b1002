// Fills inputs from /api/v1/autofill/{uscc}; configured by data- attributes on #autofill-status.
(function () {
  const status = document.getElementById("autofill-status");
  if (!status) return;
  const map = JSON.parse(status.dataset.map || "{}");
  const sourceInput = status.dataset.source || "";
  const fixedCode = status.dataset.code || "";
  const zh = document.documentElement.lang.startsWith("zh");
  const label = {registry: zh ? "来自工商登记" : "from the business registry",
                 tax_bureau: zh ? "来自税务信息" : "from the tax bureau"};
  function code() {
    if (fixedCode) return fixedCode;
    const el = document.getElementById(sourceInput);
    return el ? el.value.replace(/[\s-]/g, "").toUpperCase() : "";
  }
  async function fill(overwrite) {
    const c = code();
    if (c.length !== 18) return;
    status.textContent = zh ? "正在查询…" : "Looking up…";
    try {
      const r = await fetch("/api/v1/autofill/" + encodeURIComponent(c), {credentials: "same-origin"});
      const body = await r.json();
      if (!r.ok) { status.textContent = body.message || r.status; return; }
      let n = 0;
      for (const [field, id] of Object.entries(map)) {
        const got = body.fields[field], el = document.getElementById(id);
        if (!got || !el || got.value === null) continue;
        if (el.value && !overwrite) continue;
        el.value = got.value;
        el.dataset.source = got.source;
        el.title = (label[got.source] || got.source) + " · " + got.provider + " · " + got.fetched_at;
        el.style.background = "#eef6ff";
        n += 1;
      }
      status.textContent = n ? (zh ? `已从权威数据填入 ${n} 项，请核对（蓝底为自动填入）`
                                   : `${n} fields filled from the authorities; please check them (blue)`)
                             : (zh ? "没有可填入的信息" : "Nothing to fill");
    } catch (e) { status.textContent = zh ? "查询失败，请稍后再试" : "Lookup failed; try again later"; }
  }
  const button = document.getElementById("autofill-button");
  if (button) button.addEventListener("click", (e) => { e.preventDefault(); fill(true); });
  const src = sourceInput && document.getElementById(sourceInput);
  if (src) src.addEventListener("input", () => fill(false));
})();
