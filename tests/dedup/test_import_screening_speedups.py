"""What makes a large import fast must not change what it finds.

- a name candidate is ruled out from the names' cores on its blocking keys, never
  when its score could reach the threshold (property test against the scorer);
- keys filed before the cores were kept on them ("") are still loaded and compared;
- the per-import bigram cache learns the suppliers each batch files, so a similar
  name in a later batch is still found.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, update

from portal.db.supplier_store import SupplierStore
from portal.dedup import screen_one
from portal.dedup.tables import KEY
from portal.domain.supplier import Supplier
from portal.domain.uscc_factory import make_uscc
from portal.importing.run import import_suppliers
from portal.onboarding.registration import register_suppliers
from portal.resolution import NAME_THRESHOLD, comparable_core, name_similarity, names_may_match

TRADE = "华安达信恒泰瑞丰盛鑫源宏博德海天正新嘉利祥泽旭晨卓越锦鸿荣昌兴隆"
PLACES = ("", "上海", "北京", "（上海）", "深圳市")
FORMS = ("有限公司", "科技有限公司", "贸易有限公司", "科技", "")

names_strategy = st.builds(
    lambda place, trade, form: f"{place}{trade}{form}",
    st.sampled_from(PLACES),
    st.text(alphabet=TRADE, min_size=1, max_size=5),
    st.sampled_from(FORMS),
)


@settings(max_examples=400, deadline=None)
@given(names_strategy, names_strategy)
def test_the_core_bound_never_rules_out_a_match(a: str, b: str) -> None:
    if name_similarity(a, b) >= NAME_THRESHOLD:
        assert names_may_match([comparable_core(a)], [comparable_core(b)])


def _store_one(engine: Engine, store: SupplierStore, name: str, code: int) -> str:
    supplier = Supplier(uscc=make_uscc(code), name=name)
    [outcome] = register_suppliers(engine, store, [(0, supplier, [])], now=datetime.now(UTC))
    assert outcome.supplier_id
    return outcome.supplier_id


def test_keys_without_cores_are_still_compared(engine: Engine, store: SupplierStore) -> None:
    existing = _store_one(engine, store, "上海澜川智能科技有限公司", 700)
    with engine.begin() as conn:  # as filed before migration 0008
        conn.execute(update(KEY).where(KEY.c.supplier_id == existing).values(cores=""))
    with engine.connect() as conn:
        found = screen_one(conn, store.sealer, Supplier(uscc=make_uscc(701), name="澜川智能科技"))
    assert {(f.code, f.evidence.get("existing_id")) for f in found} == {
        ("duplicate.similar_name", existing)
    }


def test_a_similar_name_in_a_later_batch_of_the_same_import_is_found(
    engine: Engine, store: SupplierStore, tmp_path: Path
) -> None:
    path = tmp_path / "list.csv"
    rows = [["统一社会信用代码", "供应商名称"]]
    rows += [
        [make_uscc(710 + i), f"苏州{TRADE[i * 3 : i * 3 + 3]}精密电子有限公司"] for i in range(6)
    ]
    rows.append([make_uscc(730), "苏州华安达精蜜电子有限公司"])  # row 2 with a typo
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    report = import_suppliers(path, engine=engine, store=store, batch_size=2).as_dict()
    assert report["counts"]["created"] == 7
    [last] = [r for r in report["rows"] if r["row"] == 8]
    assert [f["code"] for f in last["findings"]] == ["duplicate.similar_name"]
    with engine.connect() as conn:
        first = store.get_by_uscc(conn, make_uscc(710))
    assert first is not None
    assert last["findings"][0]["evidence"]["existing_id"] == first.id
