"""Accuracy and speed of licence OCR on generated licences, next to a plain baseline.

    .venv/bin/python bench/ocr_bench.py --n 112 --seed 1            # ours + baseline
    .venv/bin/python bench/ocr_bench.py --n 32 --no-baseline --ablate deskew

The corpus is generated (``ocr.corpus``) into ``/tmp/ocr-corpus-<seed>-<n>``
unless ``--corpus DIR`` is given. "Ours" is ``ocr.service.read_licence``.
The baseline is one plain ``pytesseract.image_to_string`` of the decoded
image, parsed by the same layout parser and field rules (no preprocessing,
no QR code, no seal reading). A field counts as right when its value equals
the ground truth after normalisation (NFKC, no whitespace); a USCC counts as
"wrong but confident" when a different code is returned as read or repaired.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import unicodedata
from collections import defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ocr.corpus import CONDITIONS, generate
from ocr.model import FIELD_KEYS


def norm(value: Any) -> Any:
    if isinstance(value, str):
        return "".join(unicodedata.normalize("NFKC", value).split())
    if isinstance(value, dict):
        return {k: norm(v) for k, v in value.items()}
    return value


def field_right(key: str, got: dict[str, Any], want: Any, absent: tuple[str, ...] = ()) -> bool:
    value = got["value"]
    if key in absent:  # not printed on this kind of licence: right when reported missing
        return value is None and got["status"] == "missing"
    if key == "registered_capital" and value is not None and want is not None:
        from decimal import Decimal

        return bool(
            Decimal(value["amount"]) == Decimal(want["amount"])
            and value["currency"] == want["currency"]
        )
    if key == "term_to" and want is None:
        return value is None and got["status"] == "read"
    return bool(norm(value) == norm(want))


def run_ours(data: bytes, name: str, engines: Any) -> dict[str, Any]:
    from ocr.errors import OcrError
    from ocr.service import read_licence

    try:
        return read_licence(data, filename=name, engines=engines).as_dict()
    except OcrError as exc:
        return {"error": str(exc), "fields": {}}


def run_baseline(data: bytes, name: str, tesseract: Any) -> dict[str, Any]:
    from ocr.errors import OcrError
    from ocr.fields import build_reading, uscc_reads_from
    from ocr.inputs import load_image
    from ocr.layout import parse_segments, segments_from_text
    from ocr.model import Layout

    image = load_image(data, name)
    try:
        text = tesseract.image_to_string(image)
    except OcrError as exc:  # counted as read nothing, like ours when it raises
        return {"error": str(exc), "fields": {}}
    fields = parse_segments(segments_from_text(text, width=image.shape[1]))
    layout = Layout.LANDSCAPE if image.shape[1] >= image.shape[0] else Layout.PORTRAIT
    reads = uscc_reads_from(fields, "baseline", 1.0)
    return build_reading(fields, layout, source="baseline", uscc_reads=reads).as_dict()


def absent_of(row: dict[str, Any]) -> tuple[str, ...]:
    return tuple(row["truth"].get("absent", ()))


def kind_of(row: dict[str, Any]) -> str:
    """The licence's kind, from its true entity type."""
    entity = str(row["truth"]["fields"]["entity_type"])
    for word, kind in (("分公司", "branch"), ("外商", "foreign-invested"), ("合伙", "partnership"),
                       ("个人独资", "sole proprietorship"), ("个体", "individual business"),
                       ("公司", "company")):  # fmt: skip
        if word in entity:
            return kind
    return "other"


def pct(values: list[bool]) -> str:
    return f"{100 * sum(values) / len(values):5.1f}" if values else "    -"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path)
    parser.add_argument("--n", type=int, default=112)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--style",
        choices=["tuning", "heldout", "old"],
        default="tuning",
        help="heldout: every kind's own labels, watermarks, photocopies (ocr.corpus.styles); "
        "old: the same, as old-style licences (注册号, no credit code, no QR code)",
    )
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument(
        "--ablate",
        action="append",
        default=[],
        help="switch a preprocessing step off: find_document, deskew, flatten_light, red_channel",
    )
    parser.add_argument("--engine", choices=["default", "tesseract"], default="default")
    parser.add_argument("--only", help="only this degradation")
    parser.add_argument("--json", type=Path, help="write per-licence results here")
    args = parser.parse_args(argv)

    suffix = "" if args.style == "tuning" else f"-{args.style}"
    corpus = args.corpus or Path(f"/tmp/ocr-corpus-{args.seed}-{args.n}{suffix}")
    if not (corpus / f"{args.n - 1:04d}.json").exists():
        print(f"generating {args.n} licences into {corpus} …", file=sys.stderr)
        generate(corpus, args.n, args.seed, args.style)

    from ocr.adapters.tesseract import TesseractOcrEngine
    from ocr.service import Engines, default_engines

    engines = default_engines()
    if args.engine == "tesseract":
        engines = Engines(page=TesseractOcrEngine(), check=None)
    if args.ablate:
        engines = replace(
            engines, options=replace(engines.options, **{a: False for a in args.ablate})
        )
    # The baseline is not held to the service's 30 s limit: on a loaded machine a plain
    # whole-page read can take longer, and a timeout would count as reading nothing.
    tesseract = TesseractOcrEngine(timeout=300)

    rows = []
    load_before = os.getloadavg()
    for gt_path in sorted(corpus.glob("*.json"))[: args.n]:
        truth = json.loads(gt_path.read_text())
        if args.only and truth["condition"] != args.only:
            continue
        image_path = next(
            p for p in gt_path.parent.glob(gt_path.stem + ".*") if p.suffix != ".json"
        )
        data = image_path.read_bytes()
        row: dict[str, Any] = {
            "file": image_path.name,
            "condition": truth["condition"],
            "layout": truth["layout"],
            "condition_marks": truth.get("marks", []),
        }
        t = time.perf_counter()
        row["ours"] = run_ours(data, image_path.name, engines)
        row["ours_s"] = time.perf_counter() - t
        if not args.no_baseline:
            t = time.perf_counter()
            row["base"] = run_baseline(data, image_path.name, tesseract)
            row["base_s"] = time.perf_counter() - t
        row["truth"] = truth
        rows.append(row)
        right = sum(
            field_right(k, row["ours"]["fields"][k], truth["fields"][k], absent_of(row))
            for k in FIELD_KEYS
            if k in row["ours"]["fields"]
        )
        print(
            f"{image_path.name} {truth['condition']:<13} {right:2d}/12 {row['ours_s']:.1f}s",
            file=sys.stderr,
        )

    report(rows, not args.no_baseline)
    # Other jobs on the machine slow every licence down: say how busy it was.
    load_after = os.getloadavg()
    print(
        f"load average (1/5/15 min) at start {'/'.join(f'{v:.2f}' for v in load_before)}, "
        f"at end {'/'.join(f'{v:.2f}' for v in load_after)}; {os.cpu_count()} cores"
    )
    if args.json:
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1, default=str))
    return 0


def report(rows: list[dict[str, Any]], baseline: bool) -> None:
    systems = ["ours", "base"] if baseline else ["ours"]
    right: dict[tuple[str, str, str], list[bool]] = defaultdict(list)  # (system, cond, field)
    wrong_confident = {s: 0 for s in systems}
    unreadable_uscc = {s: 0 for s in systems}
    for row in rows:
        for system in systems:
            fields = row[system]["fields"]
            for key in FIELD_KEYS:
                want = row["truth"]["fields"][key]
                got = fields.get(key, {"value": None, "status": "missing"})
                ok = field_right(key, got, want, absent_of(row))
                right[(system, row["condition"], key)].append(ok)
                right[(system, "ALL", key)].append(ok)
                if (
                    key == "uscc"
                    and got["value"] is not None
                    and not ok
                    and got["status"] in ("read", "repaired")
                ):
                    wrong_confident[system] += 1
                if key == "uscc" and got["value"] is None and "uscc" not in absent_of(row):
                    unreadable_uscc[system] += 1
    conditions = [c for c in CONDITIONS if any(r["condition"] == c for r in rows)]
    print(f"\n## Per field, exact match % over {len(rows)} licences (ours | baseline)\n")
    print("| field | ours | baseline |\n|---|---:|---:|")
    for key in FIELD_KEYS:
        base = pct(right[("base", "ALL", key)]) if baseline else "-"
        print(f"| {key} | {pct(right[('ours', 'ALL', key)])} | {base} |")
    mean = {
        s: statistics.fmean(sum(right[(s, "ALL", k)]) / len(rows) for k in FIELD_KEYS)
        for s in systems
    }
    print(
        f"| **mean** | {100 * mean['ours']:5.1f} | {100 * mean['base']:5.1f} |"
        if baseline
        else f"| **mean** | {100 * mean['ours']:5.1f} | - |"
    )
    print("\n## Per degradation (mean field exact match %, USCC %, seconds per licence)\n")
    head = "| degradation | n | ours mean | ours USCC | ours s median | ours s p90 |"
    head += " base mean | base USCC | base s median |" if baseline else ""
    print(head)
    print("|---" * (head.count("|") - 1) + "|")
    for cond in [*conditions, "ALL"]:
        sel = [r for r in rows if cond in ("ALL", r["condition"])]
        line = f"| {cond} | {len(sel)} |"
        for system in systems:
            vals = [v for k in FIELD_KEYS for v in right[(system, cond, k)]]
            times = sorted(r[f"{system}_s"] for r in sel)
            p90 = times[min(len(times) - 1, int(0.9 * len(times)))]
            usccs = pct(right[(system, cond, "uscc")])
            line += f" {pct(vals)} | {usccs} | {statistics.median(times):.2f} |"
            if system == "ours":
                line += f" {p90:.2f} |"
        print(line)
    print("\n## Ours, per field and degradation (exact match %)\n")
    print("| field | " + " | ".join(conditions) + " |")
    print("|---" * (len(conditions) + 1) + "|")
    for key in FIELD_KEYS:
        print(f"| {key} | " + " | ".join(pct(right[("ours", c, key)]) for c in conditions) + " |")
    print()
    for system in systems:
        print(
            f"{system}: USCC wrong but confident = {wrong_confident[system]}, "
            f"returned unreadable/missing = {unreadable_uscc[system]} of {len(rows)}"
        )
    print("\n## Calibration: of the values reported `read`/`repaired`, how many are right\n")
    print(
        "| field | ours read % | ours right among read % | base read % | base right among read % |"
    )
    print("|---|---:|---:|---:|---:|")
    totals: dict[str, list[bool]] = defaultdict(list)
    for key in FIELD_KEYS:
        line = f"| {key} |"
        for system in ("ours", "base"):
            if system not in systems:
                line += " - | - |"
                continue
            sure, ok = [], []
            for row in rows:
                got = row[system]["fields"].get(key, {"value": None, "status": "missing"})
                confident = got["status"] in ("read", "repaired")
                sure.append(confident)
                if confident:
                    ok.append(field_right(key, got, row["truth"]["fields"][key], absent_of(row)))
            totals[system] += ok
            line += f" {pct(sure)} | {pct(ok)} |"
        print(line)
    print(
        "| **all fields** | | "
        + " | | ".join(pct(totals[s]) for s in systems)
        + (" |" if baseline else " | | - |")
    )
    print("\n## Per entity kind (mean field exact match %, n)\n")
    print(
        "| kind | n | ours | "
        + ("baseline |" if baseline else "")
        + "\n|---|---:|---:|"
        + ("---:|" if baseline else "")
    )
    for kind in sorted({kind_of(r) for r in rows}):
        sel = [r for r in rows if kind_of(r) == kind]
        line = f"| {kind} | {len(sel)} |"
        for system in systems:
            vals = [
                field_right(k, r[system]["fields"].get(k, {"value": None, "status": "missing"}),
                            r["truth"]["fields"][k], absent_of(r))
                for r in sel for k in FIELD_KEYS
            ]  # fmt: skip
            line += f" {pct(vals)} |"
        print(line)
    marks = sorted({m for r in rows for m in r.get("condition_marks", [])})
    if marks:
        print("\n## Per copy mark (mean field exact match %, n)\n")
        print("| mark | n | " + " | ".join(systems) + " |")
        for mark in [*marks, "none"]:
            sel = [
                r for r in rows
                if (mark in r["condition_marks"]) or (mark == "none" and not r["condition_marks"])
            ]  # fmt: skip
            line = f"| {mark} | {len(sel)} |"
            for system in systems:
                vals = [
                    field_right(k, r[system]["fields"].get(k, {"value": None, "status": "missing"}),
                                r["truth"]["fields"][k], absent_of(r))
                    for r in sel for k in FIELD_KEYS
                ]  # fmt: skip
                line += f" {pct(vals)} |"
            print(line)
    old = [r for r in rows if r["truth"].get("registration_number")]
    for system in systems if old else ():
        flagged = sum(1 for r in old if any("旧版执照" in w for w in r[system].get("warnings", ())))
        invented = sum(1 for r in old if r[system]["fields"].get("uscc", {}).get("value"))
        print(
            f"{system}: old-style licences flagged as such {flagged} of {len(old)}; "
            f"a credit code reported where none is printed: {invented}"
        )
    for system in systems:
        codes = [
            (r[system]["fields"].get("uscc", {"value": None}), r["truth"]["fields"]["uscc"])
            for r in rows
            if "uscc" not in absent_of(r)
        ]
        right_n = sum(1 for got, want in codes if got["value"] == want)
        empty = sum(1 for got, _ in codes if got["value"] is None)
        print(
            f"{system}: USCC right {right_n}, wrong {len(codes) - right_n - empty}, empty {empty}"
        )
    errors = [r["file"] for r in rows if "error" in r["ours"]]
    if errors:
        print(f"ours raised on: {', '.join(errors)}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
