"""How often the seal is found where it is and its authority read right, per degradation.

    PYTHONPATH=. .venv/bin/python bench/seal_bench.py --seeds 1,7 --n 36 [--photocopies]

Reads the generated corpus (``ocr.corpus``, held-out style: a third are grey photocopies)
in ``/tmp/ocr-corpus-<seed>-<n>-heldout``, generating it when missing, exactly as
``bench/ocr_bench.py --style heldout`` does. Per licence: preprocess, then only the seal
step (``ocr.service.read_seal``, real page engine). "found" is a circle whose centre lies
within 3 % of the page of where the generator stamps the seal; "right" is the authority
as ``fields.authority_reading`` returns it (address from the truth) equal to the truth;
"read & wrong" counts a wrong value reported ``read``/``repaired``. The seal step's CPU
seconds (``time.process_time``, engine threads included) are printed per licence
beside the load average, since wall time means nothing on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# The seal's centre as shares of the prepared page (the printed frame, 50 px in, is kept).
_SEAL_AT = {"landscape": (1830 / 2300, 1350 / 1600), "portrait": (1200 / 1600, 2030 / 2300)}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", default="1")
    parser.add_argument("--n", type=int, default=36)
    parser.add_argument("--photocopies", action="store_true", help="only the grey photocopies")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)

    from ocr.corpus import generate
    from ocr.fields import authority_reading
    from ocr.inputs import load_image
    from ocr.preprocess import prepare
    from ocr.seal import find_grey_seal, find_seal
    from ocr.service import default_engines, read_seal

    engine = default_engines().page
    rows: list[dict[str, Any]] = []
    load_before = os.getloadavg()
    for seed in (int(s) for s in args.seeds.split(",")):
        corpus = Path(f"/tmp/ocr-corpus-{seed}-{args.n}-heldout")
        if not (corpus / f"{args.n - 1:04d}.json").exists():
            generate(corpus, args.n, seed, "heldout")
        for gt_path in sorted(corpus.glob("*.json"))[: args.n]:
            truth = json.loads(gt_path.read_text())
            if args.photocopies and "photocopy" not in truth["marks"]:
                continue
            image_path = next(p for p in corpus.glob(gt_path.stem + ".*") if p.suffix != ".json")
            page = prepare(load_image(image_path.read_bytes(), image_path.name))
            t = time.process_time()
            seal = find_seal(page.colour) or find_grey_seal(page.colour)
            find_s = time.process_time() - t
            t = time.process_time()
            read = read_seal(page, engine)
            seal_s = time.process_time() - t
            h, w = page.colour.shape[:2]
            at = _SEAL_AT[truth["layout"]]
            found = (
                seal is not None
                and abs(seal[0] / w - at[0]) < 0.03
                and abs(seal[1] / h - at[1]) < 0.03
            )
            want = truth["fields"]
            got = authority_reading(*read, want["address"]) if read else None
            right = got is not None and got.value == want["registration_authority"]
            rows.append(
                {
                    "seed": seed,
                    "file": image_path.name,
                    "condition": truth["condition"],
                    "photocopy": "photocopy" in truth["marks"],
                    "found": found,
                    "text": read[0] if read else None,
                    "status": got.status.value if got else "missing",
                    "right": right,
                    "find_s": find_s,
                    "seal_s": seal_s,
                }
            )
            print(
                f"{seed}/{image_path.name} {truth['condition']:<13} found={found} "
                f"{rows[-1]['status']:<10} right={right} {seal_s:.2f} CPU-s",
                file=sys.stderr,
            )
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        colour = "grey" if row["photocopy"] else "red"
        for key in (f"{row['condition']} {colour}", f"ALL {colour}", "ALL"):
            groups[key].append(row)
    print("| seal | n | found | authority right | read & wrong | seal step CPU-s median / p90 |")
    print("|---|---:|---:|---:|---:|---:|")
    for key in sorted(groups, key=lambda k: (k.startswith("ALL"), k)):
        sel = groups[key]
        times = sorted(r["seal_s"] for r in sel)
        p90 = times[min(len(times) - 1, int(0.9 * len(times)))]
        wrong = sum(not r["right"] and r["status"] in ("read", "repaired") for r in sel)
        print(
            f"| {key} | {len(sel)} | {sum(r['found'] for r in sel)} | "
            f"{sum(r['right'] for r in sel)} | {wrong} | "
            f"{statistics.median(times):.3f} / {p90:.3f} |"
        )
    load_after = os.getloadavg()
    print(
        f"load average at start {'/'.join(f'{v:.2f}' for v in load_before)}, "
        f"at end {'/'.join(f'{v:.2f}' for v in load_after)}; {os.cpu_count()} cores"
    )
    if args.json:
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
