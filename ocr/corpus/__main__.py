"""``python -m ocr.corpus --out DIR --n 100 --seed 1``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ocr.corpus import generate


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m ocr.corpus", description=__doc__)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--qr-mismatch",
        action="store_true",
        help="plant another valid credit code in each QR code (the reader must report it)",
    )
    args = parser.parse_args(argv)
    paths = generate(args.out, args.n, args.seed, qr_mismatch=args.qr_mismatch)
    print(f"wrote {len(paths)} licences to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
