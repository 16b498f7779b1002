"""What checking an upload's whole structure costs, next to the first-bytes sniff it replaces.

    .venv/bin/python bench/upload_check_bench.py --repeat 5

For a phone photo (JPEG, 4000x3000), a scanned page (PNG, 2480x3508) and a 20-page PDF,
prints the median time of:

- the plain baseline: ``sniff`` of the first 16 bytes (what uploads did before);
- ``check_structure``: PDFium opens the PDF and reads every page size; Pillow reads the
  picture's header, ``verify()``s it, and decodes a JPEG at 1/8 scale;
- for scale, a full Pillow decode of the same picture (``Image.load()``).
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from collections.abc import Callable

import numpy as np
from PIL import Image

from portal.documents.inspection import check_structure, sniff


def _picture(fmt: str, size: tuple[int, int]) -> bytes:
    rng = np.random.default_rng(7)
    # smooth gradients with some noise: compresses like a photo or a scan, not like a flat colour
    y, x = np.mgrid[0 : size[1], 0 : size[0]]
    base = ((x + y) % 256).astype(np.uint8)
    noise = rng.integers(0, 24, size=(size[1], size[0]), dtype=np.uint8)
    pixels = np.stack([base, base // 2 + noise, 255 - base], axis=-1)
    out = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(out, fmt, **({"quality": 88} if fmt == "JPEG" else {}))
    return out.getvalue()


def _pdf(pages: int) -> bytes:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument.new()
    for _ in range(pages):
        pdf.new_page(595, 842)
    out = io.BytesIO()
    pdf.save(out)
    pdf.close()
    return out.getvalue()


def _median_ms(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def _full_decode(content: bytes) -> None:
    with Image.open(io.BytesIO(content)) as img:
        img.load()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    samples = {
        "JPEG 4000x3000": _picture("JPEG", (4000, 3000)),
        "PNG 2480x3508": _picture("PNG", (2480, 3508)),
        "PDF 20 pages": _pdf(20),
    }
    columns = ("sniff (baseline)", "check_structure", "full decode")
    print(f"{'file':16} {'size':>9} {columns[0]:>17} {columns[1]:>16} {columns[2]:>12}")
    for name, content in samples.items():
        baseline = _median_ms(lambda c=content: sniff(c[:16]), args.repeat)
        checked = _median_ms(lambda c=content: check_structure(c), args.repeat)
        full = (
            f"{_median_ms(lambda c=content: _full_decode(c), args.repeat):9.1f} ms"
            if not name.startswith("PDF")
            else f"{'-':>12}"
        )
        print(
            f"{name:16} {len(content) / 1e6:7.2f}MB {baseline:14.4f} ms {checked:13.1f} ms {full}"
        )


if __name__ == "__main__":
    main()
