"""Find the printed labels of a licence and the text that belongs to each.

Works on :class:`~ocr.ports.TextSegment` boxes from any engine, for the
landscape original (正本, two columns) and the portrait duplicate (副本, one
column). Segments are grouped into rows; a label starts a segment (or is
spread over several, as ``名　　称`` is printed); the value runs to the
next label on the row, and lines below it that start inside its column are
its continuation (经营范围 and 住所 wrap).

>>> segs = segments_from_text('''
... 名    称  上海恒泰信息科技有限公司      成立日期  2015年03月12日
... 类    型  有限责任公司(自然人投资或控股)  营业期限  2015年03月12日至长期
... ''')
>>> fields = parse_segments(segs)
>>> fields["name"].text, fields["term"].text
('上海恒泰信息科技有限公司', '2015年03月12日至长期')
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field

from ocr.ports import TextSegment

FIELD_LABELS: dict[str, tuple[str, ...]] = {
    "uscc": ("统一社会信用代码",),
    "name": ("名称",),
    "entity_type": ("主体类型", "类型"),
    "legal_representative": ("执行事务合伙人", "法定代表人", "负责人", "经营者", "投资人"),
    "registered_capital": ("注册资本", "出资数额", "出资额"),
    "established_on": ("成立日期", "注册日期"),
    "term": ("营业期限", "经营期限", "合伙期限"),
    "address": ("主要经营场所", "经营场所", "营业场所", "住所"),
    "business_scope": ("经营范围",),
    "registration_authority": ("登记机关",),
}
_SEP = "\x1f"
_LABEL_OF = {label: key for key, labels in FIELD_LABELS.items() for label in labels}
_LABEL_RE = re.compile(
    rf"(?:^|(?<=[{_SEP}\s]))("
    + "|".join(
        f"[{_SEP}\\s]*".join(map(re.escape, label))
        for label in sorted(_LABEL_OF, key=len, reverse=True)
    )
    + r")[:：]?"
)
_NO_CONTINUATION = frozenset({"established_on", "legal_representative", "registered_capital"})


@dataclass
class FieldText:
    """The raw text found for one label, and where."""

    key: str
    label: str
    x0: float
    y: float
    last_y: float
    parts: list[str] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(self.parts).strip()

    @property
    def score(self) -> float:
        return min(self.scores) if self.scores else 0.0


def _rows(segments: list[TextSegment]) -> list[list[TextSegment]]:
    rows: list[list[TextSegment]] = []
    for seg in sorted(segments, key=lambda s: s.cy):
        row = rows[-1] if rows else None
        if row is not None:
            height = statistics.median(s.height for s in row)
            centre = statistics.fmean(s.cy for s in row)
            if abs(seg.cy - centre) < 0.5 * max(height, seg.height):
                row.append(seg)
                continue
        rows.append([seg])
    return [sorted(row, key=lambda s: s.x0) for row in rows]


def _x_at(row: list[TextSegment], starts: list[int], index: int) -> tuple[float, float]:
    """The x of character ``index`` of the joined row text, and its segment's score."""
    for seg, start in zip(reversed(row), reversed(starts), strict=True):
        if index >= start:
            frac = (index - start) / max(1, len(seg.text))
            return seg.x0 + frac * (seg.x1 - seg.x0), seg.score
    return row[0].x0, row[0].score


def _pieces(row: list[TextSegment]) -> list[tuple[str | None, str, float, float, float]]:
    """Split a row into ``(label or None, text, x0, x_text, score)`` pieces."""
    starts, joined = [], ""
    for seg in row:
        starts.append(len(joined))
        joined += seg.text + _SEP
    matches = list(_LABEL_RE.finditer(joined))
    out: list[tuple[str | None, str, float, float, float]] = []
    head_end = matches[0].start() if matches else len(joined)
    # Unlabelled text before the first label: keep each segment apart (columns differ).
    for seg, start in zip(row, starts, strict=True):
        if start < head_end:
            text = joined[start : min(start + len(seg.text), head_end)]
            if text.strip(_SEP + " "):
                out.append((None, text, seg.x0, seg.x0, seg.score))
    for i, match in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(joined)
        label = re.sub(rf"[{_SEP}\s:：]", "", match.group(0))
        x0, score = _x_at(row, starts, match.start(1))
        x_text, _ = _x_at(row, starts, match.end())
        out.append((label, joined[match.end() : end], x0, x_text, score))
    return out


def parse_segments(segments: Iterable[TextSegment]) -> dict[str, FieldText]:
    """Return the text found after each label, keyed as in :data:`FIELD_LABELS`."""
    segs = [s for s in segments if s.text.strip()]
    if not segs:
        return {}
    line_h = statistics.median(s.height for s in segs)
    found: dict[str, FieldText] = {}
    for row in _rows(segs):
        cy = statistics.fmean(s.cy for s in row)
        for label, text, x0, _x_text, score in _pieces(row):
            clean = text.replace(_SEP, " ").strip()
            if label is not None:
                key = _LABEL_OF[label]
                if key in found:  # a label read twice: keep the first, it is the printed one
                    continue
                found[key] = FieldText(key, label, x0, cy, cy, [clean] if clean else [], [score])
                continue
            owner = _column_owner(found.values(), x0, cy, line_h)
            if owner is not None and clean:
                owner.parts.append(clean)
                owner.scores.append(score)
                owner.last_y = cy
    return found


def _column_owner(
    fields: Iterable[FieldText], x0: float, cy: float, line_h: float
) -> FieldText | None:
    """The field whose column holds a line starting at ``x0`` just below it."""
    best: FieldText | None = None
    for f in fields:
        if f.key in _NO_CONTINUATION or f.x0 > x0 + line_h or cy - f.last_y > 2.6 * line_h:
            continue
        if cy <= f.last_y:
            continue
        if best is None or (f.x0, f.last_y) > (best.x0, best.last_y):
            best = f
    return best


def segments_from_text(text: str, width: float = 1000.0) -> list[TextSegment]:
    """Make segments from plain OCR text: one row per line, split at 2+ spaces.

    Used for engines that give no boxes (the plain ``image_to_string`` baseline);
    x positions are estimated from the character offset in the line.
    """
    out = []
    lines = [line for line in text.splitlines() if line.strip()]
    longest = max((len(line) for line in lines), default=1)
    for row, line in enumerate(lines):
        for match in re.finditer(r"\S+(?: \S+)*", line):
            x0 = match.start() / longest * width
            x1 = match.end() / longest * width
            out.append(TextSegment(match.group(0), x0, row * 20.0, x1, row * 20.0 + 16.0))
    return out


def label_holes(segments: list[TextSegment]) -> list[tuple[tuple[float, float, float, float], list[TextSegment]]]:
    """Boxes where a label is probably printed but was not read.

    Labels such as ``名　　称`` are printed with wide gaps, and text detectors
    often skip their lone characters. A row whose text starts where the values
    of a label column start, with no label read before it, gets its label area
    returned as ``(x0, y0, x1, y1)`` with the stray segments inside it, so the
    caller can read that box as one line and put the result in their place.
    """
    segs = [s for s in segments if s.text.strip()]
    if not segs:
        return []
    line_h = statistics.median(s.height for s in segs)
    columns: list[tuple[float, float]] = []  # (label x0, value x0)
    for row in _rows(segs):
        for label, text, x0, x_text, _ in _pieces(row):
            if label is None or len(label) < 4 or not text.strip(_SEP + " "):
                continue
            value = next((s for s in row if s.x0 > x_text - line_h / 2), None)
            if value is None:
                continue
            for i, (lx, vx) in enumerate(columns):
                if abs(lx - x0) < 3 * line_h:
                    columns[i] = (min(lx, x0), min(vx, value.x0))
                    break
            else:
                columns.append((x0, value.x0))
    holes = []
    for row in _rows(segs):
        labelled = [x0 for label, _, x0, _, _ in _pieces(row) if label is not None]
        for lx, vx in columns:
            starts = [s for s in row if abs(s.x0 - vx) < 1.5 * line_h]
            if not starts or any(lx - line_h <= x < vx - line_h / 2 for x in labelled):
                continue
            first = starts[0]
            box = (lx - line_h / 2, first.y0 - 0.15 * line_h, first.x0 - 0.1 * line_h,
                   first.y1 + 0.15 * line_h)  # fmt: skip
            strays = [s for s in row if box[0] <= (s.x0 + s.x1) / 2 <= box[2]]
            holes.append((box, strays))
    return holes
