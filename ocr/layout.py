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

import dataclasses
import re
import statistics
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise

from ocr.ports import TextSegment

FIELD_LABELS: dict[str, tuple[str, ...]] = {
    "uscc": ("统一社会信用代码",),
    "name": ("名称",),
    "entity_type": ("主体类型", "类型"),
    "legal_representative": ("执行事务合伙人", "法定代表人", "负责人", "经营者", "投资人"),
    "registered_capital": ("注册资本", "出资数额", "出资额"),
    "established_on": ("成立日期", "注册日期", "成立目期"),  # 目: how 日 is often misread
    "term": ("营业期限", "经营期限", "合伙期限"),
    "address": ("主要经营场所", "经营场所", "营业场所", "住所"),
    "business_scope": ("经营范围",),
    "registration_authority": ("登记机关",),
    # Printed on some kinds only; known so that they end the value before them.
    "composition_form": ("组成形式",),  # 个体工商户: 个人经营 / 家庭经营
    "registration_number": ("注册号",),  # licences before the 2016 five-in-one reform
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
_LABEL_RE_ANYWHERE = re.compile("|".join(sorted(_LABEL_OF, key=len, reverse=True)))
_LABEL_CHARS = frozenset("".join(_LABEL_OF))
Box = tuple[float, float, float, float]
_NO_CONTINUATION = frozenset(
    {"established_on", "legal_representative", "registered_capital", "issued_on"}
)


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
    boxes: list[Box] = field(default_factory=list)  # where each part was read, (x0, y0, x1, y1)

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


@dataclass(frozen=True)
class _Piece:
    label: str | None
    x0: float  # where the label (or the unlabelled text) starts
    x_text: float  # where the text after the label starts
    score: float
    parts: tuple[tuple[TextSegment, str], ...]  # the segments the text comes from

    @property
    def text(self) -> str:
        return _SEP.join(part for _, part in self.parts)


def _pieces(row: list[TextSegment]) -> list[_Piece]:
    """Split a row into unlabelled segments and labelled runs (label + text up to the next)."""
    starts, joined = [], ""
    for seg in row:
        starts.append(len(joined))
        joined += seg.text + _SEP
    matches = list(_LABEL_RE.finditer(joined))

    def parts(lo: int, hi: int) -> tuple[tuple[TextSegment, str], ...]:
        out = []
        for seg, start in zip(row, starts, strict=True):
            a, b = max(lo, start), min(hi, start + len(seg.text))
            if a < b and joined[a:b].strip():
                out.append((seg, joined[a:b]))
        return tuple(out)

    pieces = []
    head_end = matches[0].start() if matches else len(joined)
    for seg, text in parts(0, head_end):  # before the first label: one piece per segment
        pieces.append(_Piece(None, seg.x0, seg.x0, seg.score, ((seg, text),)))
    for i, match in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(joined)
        label = re.sub(rf"[{_SEP}\s:：]", "", match.group(0))
        x0, score = _x_at(row, starts, match.start(1))
        x_text, _ = _x_at(row, starts, match.end())
        pieces.append(_Piece(label, x0, x_text, score, parts(match.end(), end)))
    return pieces


def parse_segments(segments: Iterable[TextSegment]) -> dict[str, FieldText]:
    """Return the text found after each label, keyed as in :data:`FIELD_LABELS`.

    Besides the labelled fields, ``issued_on`` holds the text printed below
    登记机关 (the issue date, under the seal).
    """
    segs = split_stacked([s for s in segments if s.text.strip()])
    if not segs:
        return {}
    line_h = statistics.median(s.height for s in segs)
    segs = [s for s in segs if not _stamp_glyph(s, line_h)]
    rows = [(row, _pieces(row)) for row in _rows(segs)]
    label_xs = _column_starts(_first_label_xs(rows), line_h)
    split = [part for seg in segs for part in _split_at_columns(seg, label_xs, line_h, segs)]
    split = _labels_from_tails(split, label_xs, line_h)
    if split != segs:  # a label was glued to the text on its left: parse again
        segs = split
        rows = [(row, _pieces(row)) for row in _rows(segs)]
    found: dict[str, FieldText] = {}
    for row, pieces in rows:
        cy = statistics.fmean(s.cy for s in row)
        loose: list[tuple[TextSegment, str]] = []
        for piece in pieces:
            if piece.label is None:
                loose.extend(piece.parts)
                continue
            # Text beyond the next label column belongs to that column (a wrapped line).
            boundary = min((x for x in label_xs if x > piece.x0 + 3 * line_h), default=1e9)
            mine = [(s, t) for s, t in piece.parts if s.x0 < boundary - line_h / 2]
            loose.extend((s, t) for s, t in piece.parts if s.x0 >= boundary - line_h / 2)
            key = _LABEL_OF[piece.label]
            if key in found:  # a label read twice: keep the first, it is the printed one
                continue
            text = " ".join(t.replace(_SEP, " ").strip() for _, t in mine).strip()
            boxes = [_box_after(mine, piece.x_text)] if text else []
            found[key] = FieldText(key, piece.label, piece.x0, cy, cy, [text] if text else [],
                                   [piece.score], boxes)  # fmt: skip
        for seg, text in loose:
            owner = _column_owner(found.values(), seg.x0, cy, line_h)
            clean = text.replace(_SEP, " ").strip()
            if owner is not None and clean:
                owner.parts.append(clean)
                owner.scores.append(seg.score)
                owner.boxes.append((seg.x0, seg.y0, seg.x1, seg.y1))
                owner.last_y = cy
    authority = found.get("registration_authority")
    if authority is not None:
        below = [s for s in segs if authority.y < s.cy < authority.y + 6 * line_h
                 and s.x1 > authority.x0 and "年" in s.text]  # fmt: skip
        if below:
            first = min(below, key=lambda s: s.cy)
            found["issued_on"] = FieldText("issued_on", "", first.x0, first.cy, first.cy,
                                           [first.text], [first.score],
                                           [(first.x0, first.y0, first.x1, first.y1)])  # fmt: skip
    return found


def _stamp_glyph(seg: TextSegment, line_h: float) -> bool:
    """A box of one to three characters more than twice a line's height: the large glyphs
    of a copy stamp (仅供…使用) laid over the print, not text of the licence. Left in, one
    spans two printed lines and joins them into one row, and the second line is lost
    (held-out seeds 53 and 107, a blurred stamped photocopy: a scope line missing).

    >>> _stamp_glyph(TextSegment("使", 958, 686, 1099, 830), 51.0)
    True
    >>> _stamp_glyph(TextSegment("于静", 325, 585, 407, 639), 51.0)
    False
    >>> _stamp_glyph(TextSegment("型", 229, 613, 283, 728), 42.0)  # held-out seed 89
    False
    """
    text = "".join(seg.text.split())
    label = all(c in _LABEL_CHARS for c in text)  # a spread label's 型, boxed two rows high
    return seg.height > 2.2 * line_h and len(text) <= 3 and not label


def _tail_labels() -> dict[str, str]:
    """The last one or two characters of a label that belong to one field only (称 of 名称,
    型 of 类型 and 主体类型), and a label of that field."""
    keys: dict[str, set[str]] = {}
    labels: dict[str, str] = {}
    for label, key in _LABEL_OF.items():
        for n in (1, 2):
            if len(label) > n:
                keys.setdefault(label[-n:], set()).add(key)
                labels.setdefault(label[-n:], label)
    return {tail: labels[tail] for tail, owners in keys.items() if len(owners) == 1}


_TAIL_LABELS = _tail_labels()


def _labels_from_tails(
    segs: list[TextSegment], label_xs: list[float], line_h: float
) -> list[TextSegment]:
    """A row's text that starts inside a label column's label area with the end of a label
    (``称上海…``: 名 of the wide-spaced ``名　　称`` skipped and 称 read with the value) is
    that label and its value: the label is put back whole, from the column's left edge.

    >>> seg = lambda t, x: TextSegment(t, x, 100, x + 40 * len(t), 140)
    >>> row = [seg("称上海汇通鼎盛有限公司", 206)]
    >>> [s.text for s in _labels_from_tails(row, [103.0], 40.0)]
    ['名称上海汇通鼎盛有限公司']
    >>> [s.text for s in _labels_from_tails([seg("称上海", 309)], [103.0], 40.0)]  # a value
    ['称上海']
    """
    out = []
    for seg in segs:
        column = next((x for x in label_xs if x + line_h < seg.x0 < x + 3.5 * line_h), None)
        tail = next((t for t in (seg.text[:2], seg.text[:1]) if t in _TAIL_LABELS), None)
        starts_label = _LABEL_RE.match(seg.text) is not None
        if column is None or tail is None or starts_label or len(seg.text) <= len(tail):
            out.append(seg)
            continue
        others = [o for o in segs if o is not seg and abs(o.cy - seg.cy) < line_h / 2]
        if any(o.x0 < seg.x0 for o in others if o.x1 > column):  # something left of it
            out.append(seg)
            continue
        label = _TAIL_LABELS[tail]
        out.append(dataclasses.replace(seg, text=label + seg.text[len(tail) :], x0=column))
    return out


def _box_after(parts: list[tuple[TextSegment, str]], x_text: float) -> Box:
    """The box of a labelled value: its segments, from where the text after the label starts."""
    segs = [seg for seg, _ in parts]
    x0 = max(x_text, min(s.x0 for s in segs))
    return x0, min(s.y0 for s in segs), max(s.x1 for s in segs), max(s.y1 for s in segs)


def _first_label_xs(rows: list[tuple[list[TextSegment], list[_Piece]]]) -> list[float]:
    """Where each field's label starts, counting a label read twice (re-read) only once."""
    seen: dict[str, float] = {}
    for _, pieces in rows:
        for piece in pieces:
            if piece.label is not None:
                seen.setdefault(_LABEL_OF[piece.label], piece.x0)
    return list(seen.values())


def _split_at_columns(
    seg: TextSegment, columns: list[float], line_h: float, segs: list[TextSegment]
) -> list[TextSegment]:
    """Split a box the detector stretched over a label column (``…建住所`` + ``住所``).

    A label glued to the end of the box is kept unless the same label was also
    read in a box of its own beside it. Labels are printed spread out
    (``住　　所``), so the detector may glue only their first characters to the
    text on the left (``…专用住`` + ``所``): those are cut off and either left to
    join the rest of the label, or dropped when the whole label was read beside.
    """
    for col in columns:
        if not seg.x0 + line_h < col < seg.x1 + line_h:
            continue
        for match in _LABEL_RE_ANYWHERE.finditer(seg.text):
            frac = match.start() / max(1, len(seg.text))
            x = seg.x0 + frac * (seg.x1 - seg.x0)
            if abs(x - col) < 3 * line_h and match.start() > 0 and col < seg.x1 - line_h / 2:
                head = TextSegment(seg.text[: match.start()], seg.x0, seg.y0, x, seg.y1, seg.score)
                beside = _read_beside(seg, x, segs, line_h)
                bare = match.end() == len(seg.text)
                if bare and any(t.startswith(match.group()) for t in beside):
                    return [head]
                tail = TextSegment(seg.text[match.start() :], x, seg.y0, seg.x1, seg.y1, seg.score)
                return [head, *_split_at_columns(tail, columns, line_h, segs)]
        for label in _LABEL_OF:
            k = next((k for k in range(len(label) - 1, 0, -1) if seg.text.endswith(label[:k])), 0)
            if not k or len(seg.text) == k:
                continue
            x = seg.x0 + (len(seg.text) - k) / len(seg.text) * (seg.x1 - seg.x0)
            beside = _read_beside(seg, x, segs, line_h)
            rest = any(t.startswith((label, label[k:])) for t in beside)
            if abs(x - col) > 1.5 * line_h or not rest:
                continue
            head = TextSegment(seg.text[:-k], seg.x0, seg.y0, x, seg.y1, seg.score)
            if any(t.startswith(label) for t in beside):  # read whole in its own box: drop it
                return [head]
            return [head, TextSegment(label[:k], x, seg.y0, seg.x1, seg.y1, seg.score)]
    return [seg]


def _read_beside(seg: TextSegment, x: float, segs: list[TextSegment], line_h: float) -> list[str]:
    """The texts of the other boxes on the row of ``seg`` over or just after its end at ``x``."""
    return ["".join(s.text.split()) for s in segs
            if s is not seg and abs(s.cy - seg.cy) < 0.5 * max(s.height, seg.height)
            and s.x1 > x - line_h and s.x0 < seg.x1 + 3 * line_h]  # fmt: skip


def split_stacked(segments: list[TextSegment]) -> list[TextSegment]:
    """Split boxes that read a column of label characters from top to bottom.

    The label column (``名　　称`` over ``类　　型`` over ``住　　所``) has its
    characters exactly one above the other, and a detector may take the first
    characters of several rows for one vertical line (``名类住``). Such a box
    (label characters only, much taller than wide and than a text line) is
    cut into one box per character, each on its own row.

    >>> rows = [TextSegment("某某", 330, y, 450, y + 40) for y in (585, 650, 715)]
    >>> column = TextSegment("名类住", 130, 580, 190, 775)
    >>> [(s.text, s.y0, s.y1) for s in split_stacked([column, *rows])][:3]
    [('名', 580.0, 645.0), ('类', 645.0, 710.0), ('住', 710.0, 775.0)]
    """
    if not segments:
        return []
    line_h = statistics.median(s.height for s in segments)
    out: list[TextSegment] = []
    for seg in segments:
        text = "".join(seg.text.split())
        stacked = (
            len(text) >= 2
            and seg.height > 1.8 * line_h
            and seg.height > 1.5 * (seg.x1 - seg.x0)
            and all(c in _LABEL_CHARS for c in text)
        )
        if not stacked:
            out.append(seg)
            continue
        step = seg.height / len(text)
        out += [TextSegment(c, seg.x0, seg.y0 + i * step, seg.x1, seg.y0 + (i + 1) * step,
                            seg.score) for i, c in enumerate(text)]  # fmt: skip
    return out


def _column_starts(xs: list[float], line_h: float) -> list[float]:
    """Left edges of the label columns: two or more labels starting at about the same x."""
    columns: list[list[float]] = []
    for x in sorted(xs):
        if columns and x - columns[-1][-1] < 3 * line_h:
            columns[-1].append(x)
        else:
            columns.append([x])
    return [min(c) for c in columns if len(c) >= 2]


def _column_owner(
    fields: Iterable[FieldText], x0: float, cy: float, line_h: float
) -> FieldText | None:
    """The field whose column holds a line starting at ``x0`` just below it.

    The column is the rightmost one whose label starts left of the line; labels of one
    column start within a line's height of each other (营业期限 a few pixels right of
    经营范围 on a photocopy), and among them the field nearest above owns the line.
    """
    best: FieldText | None = None
    for f in fields:
        if f.key in _NO_CONTINUATION or f.x0 > x0 + line_h or cy - f.last_y > 2.6 * line_h:
            continue
        if cy - f.last_y < line_h / 2:  # same row: the text is not below this field
            continue
        if (
            best is None
            or f.x0 > best.x0 + line_h
            or (abs(f.x0 - best.x0) <= line_h and f.last_y > best.last_y)
        ):
            best = f
    return best


def _columns(text: str) -> int:
    """Display width: CJK characters take two columns, as in a terminal."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def segments_from_text(text: str, width: float = 1000.0) -> list[TextSegment]:
    """Make segments from plain OCR text: one row per line, split at 2+ spaces.

    Used for engines that give no boxes (the plain ``image_to_string`` baseline);
    x positions are estimated from the display column in the line.
    """
    out = []
    lines = [line for line in text.splitlines() if line.strip()]
    longest = max((_columns(line) for line in lines), default=1)
    for row, line in enumerate(lines):
        for match in re.finditer(r"\S+(?: \S+)*", line):
            x0 = _columns(line[: match.start()]) / longest * width
            x1 = _columns(line[: match.end()]) / longest * width
            out.append(TextSegment(match.group(0), x0, row * 20.0, x1, row * 20.0 + 16.0))
    return out


def punctuation_gaps(
    value: FieldText, segments: list[TextSegment], *, full_stop: bool = False
) -> list[tuple[int, str, Box]]:
    """Places in a wrapped value where a lone punctuation mark was probably skipped.

    Detectors find runs of characters and tend to leave out a punctuation
    mark standing alone: one that wrapped to the start of a line (``、技术推广``)
    or a final ``。`` that wrapped onto a line of its own. Returns ``(part,
    "start" | "end", box)``: the gap before each continuation line that starts
    right of the value column, and, with ``full_stop`` (the text should end
    with ``。`` and does not), where that full stop would be printed: after
    the last line, then at the start of the line below. Boxes over text the
    detector did read are left out.

    >>> scope = FieldText("business_scope", "经营范围", 100, 120, 170,
    ...                   parts=["一般项目:软件开发；", "技术推广"],
    ...                   boxes=[(300, 100, 1000, 140), (340, 150, 500, 190)])
    >>> [(part, where) for part, where, _ in punctuation_gaps(scope, [], full_stop=True)]
    [(1, 'start'), (1, 'end'), (1, 'end')]
    """
    boxes = value.boxes
    if not boxes or len(boxes) != len(value.parts):
        return []
    h = statistics.median(y1 - y0 for _, y0, _, y1 in boxes)
    column = min(x0 for x0, _, _, _ in boxes)
    gaps: list[tuple[int, str, Box]] = []
    for i, (x0, y0, _, y1) in enumerate(boxes[1:], start=1):
        cy = (y0 + y1) / 2
        line_start = not any(b[0] < x0 and abs((b[1] + b[3]) / 2 - cy) < h / 2 for b in boxes)
        if line_start and x0 - column > 0.4 * h:
            gaps.append((i, "start", (column - 0.2 * h, y0, x0 - 0.05 * h, y1)))
    if full_stop and not value.text.endswith("。"):
        last = len(boxes) - 1
        x0, y0, x1, y1 = boxes[last]
        rows: list[float] = []  # the centre of each line of the value
        for cy in sorted((b[1] + b[3]) / 2 for b in boxes):
            if not rows or cy - rows[-1] > h / 2:
                rows.append(cy)
        pitch = statistics.median(b - a for a, b in pairwise(rows)) if len(rows) > 1 else 1.5 * h
        gaps.append((last, "end", (x1 + 0.1 * h, y0, x1 + 1.2 * h, y1)))
        below = (column - 0.2 * h, y0 + pitch - 0.2 * h, column + 1.3 * h, y1 + pitch + 0.2 * h)
        gaps.append((last, "end", below))
    return [g for g in gaps if not any(_overlap(g[2], s, 0.3 * h) for s in segments)]


def _overlap(box: Box, seg: TextSegment, least: float) -> bool:
    x0, y0, x1, y1 = box
    return min(x1, seg.x1) - max(x0, seg.x0) > least and min(y1, seg.y1) - max(y0, seg.y0) > least


def label_holes(
    segments: list[TextSegment],
) -> list[tuple[tuple[float, float, float, float], list[TextSegment]]]:
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
        for piece in _pieces(row):
            label, x0 = piece.label, piece.x0
            if label is None or len(label) < 4 or not piece.text.strip(_SEP + " "):
                continue
            value = next((s for s in row if s.x0 > piece.x_text - line_h / 2), None)
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
        labelled = [p.x0 for p in _pieces(row) if p.label is not None]
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
