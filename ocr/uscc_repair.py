"""Repair a credit code (统一社会信用代码) that OCR misread, or refuse to.

OCR engines confuse 0/O/D/Q, 1/I/L/7, 2/Z, 5/S, 8/B and U/V. A code carries
two check characters: the final modulo-31 one and the GB 11714 check of the
embedded organisation code (characters 9-17), and its first eight characters
are digits while the rest never use I, O, S, V or Z. A repair is accepted
only when **exactly one** candidate passes every check at the smallest edit
distance that has any (at most two substitutions among confusable characters,
or one spurious character dropped); two or more valid candidates mean the
field is unreadable, never a guess. A run of 19 or more digits is the
20-digit 证照编号 printed beside the code, and is never taken for it.

>>> repair("91110000600037341L").status
'read'
>>> r = repair("9111OOOO6OOO3734IL")    # O for 0 and I for 1: the alphabet forces them
>>> r.code, r.status
('91110000600037341L', 'repaired')
>>> repair("91110000600037341").status   # 17 characters: nothing to check
'unreadable'
>>> repair("38778408016097535139").reason
'a run of 19 or more digits is the licence number (证照编号), not a credit code'
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from portal.domain import uscc

_CONFUSABLE: dict[str, str] = {
    "0": "ODQ", "O": "0DQ", "D": "0OQ", "Q": "0OD",
    "1": "IL7", "I": "1L7", "L": "1I7", "7": "1IL",
    "2": "Z", "Z": "2", "5": "S", "S": "5", "8": "B", "B": "8", "U": "V", "V": "U",
}  # fmt: skip
_AS_DIGIT = {"O": "0", "D": "0", "Q": "0", "I": "1", "L": "1", "Z": "2", "S": "5", "B": "8"}
_FORBIDDEN = {"I": "1", "O": "0", "S": "5", "V": "U", "Z": "2"}  # letters the alphabet never uses
_ALLOWED_TAIL = frozenset(uscc.ALPHABET)
_LICENCE_NUMBER = re.compile(r"\d{19,}")
_MAX_SUBSTITUTIONS = 2
#: Business licences are issued by market regulation (9) to companies (1),
#: sole proprietors (2) and farmers' cooperatives (3).
LICENCE_PREFIXES = ("91", "92", "93")

Status = Literal["read", "repaired", "unreadable"]


@dataclass(frozen=True)
class UsccRepair:
    """The outcome: a canonical code with ``read``/``repaired``, or ``unreadable``."""

    code: str | None
    status: Status
    reason: str = ""
    candidates: tuple[str, ...] = ()


def _allowed(position: int, char: str) -> bool:
    return char.isdigit() if position < 8 else char in _ALLOWED_TAIL


def _forced(code: str) -> str | None:
    """Apply the corrections that the position rules leave no choice about."""
    out = []
    for i, char in enumerate(code):
        if _allowed(i, char):
            out.append(char)
        elif i < 8 and char in _AS_DIGIT:
            out.append(_AS_DIGIT[char])
        elif i >= 8 and char in _FORBIDDEN:
            out.append(_FORBIDDEN[char])
        else:
            return None
    return "".join(out)


def _substitutions(code: str, low: int, high: int) -> Iterator[str]:
    options = [
        [c for c in _CONFUSABLE.get(char, "") if _allowed(i, c)] for i, char in enumerate(code)
    ]
    positions = [i for i, alts in enumerate(options) if alts]
    for count in range(low, high + 1):
        for chosen in itertools.combinations(positions, count):
            for replacement in itertools.product(*(options[i] for i in chosen)):
                chars = list(code)
                for i, c in zip(chosen, replacement, strict=True):
                    chars[i] = c
                yield "".join(chars)


def _variants(code: str) -> list[tuple[str, int]]:
    """18-character readings to try, with the substitution budget left for each."""
    if len(code) == 18:
        return [(code, _MAX_SUBSTITUTIONS)]
    if len(code) == 19:  # one spurious character (a speck read as a letter)
        return [(code[:i] + code[i + 1 :], 1) for i in range(19)]
    return []


def repair(raw: str, prefixes: tuple[str, ...] = LICENCE_PREFIXES) -> UsccRepair:
    """Return the code ``raw`` stands for, if exactly one correction fits.

    Only codes starting with one of ``prefixes`` are proposed as repairs.
    """
    code = uscc.compact(raw)

    def fits(candidate: str) -> bool:
        return candidate.startswith(prefixes) and uscc.is_valid(candidate)

    if _LICENCE_NUMBER.search(code):
        reason = "a run of 19 or more digits is the licence number (证照编号), not a credit code"
        return UsccRepair(None, "unreadable", reason)
    if len(code) == 18 and fits(code):
        return UsccRepair(code, "read")
    found: set[str] = set()
    # Smallest edit first: a code with one misread character is far likelier than one
    # with two, and stopping at the first level that validates keeps false repairs rare.
    for level in range(_MAX_SUBSTITUTIONS + 1):
        for variant, budget in _variants(code):
            forced = _forced(variant)
            if forced is None or budget < level:
                continue
            pool = [forced] if level == 0 else _substitutions(forced, level, level)
            found.update(c for c in pool if fits(c))
        if found:
            break
    if len(found) == 1:
        only = next(iter(found))
        return UsccRepair(only, "repaired", candidates=(only,))
    if not found:
        return UsccRepair(None, "unreadable", f"no valid credit code is close to {code}")
    return UsccRepair(
        None,
        "unreadable",
        f"{len(found)} different valid credit codes are close to {code}; refusing to guess",
        tuple(sorted(found)),
    )


def candidate_strings(texts: Iterable[str]) -> list[str]:
    """Pick the 17-19 character runs of letters and digits that may be credit codes.

    Runs inside a 19+ digit number (the 证照编号) are left out.

    >>> candidate_strings(["代码 9111 0000 6000 3734 1L", "证照编号：38778408016097535139"])
    ['91110000600037341L']
    """
    out: list[str] = []
    for text in texts:
        compacted = re.sub(r"\s+", "", uscc.compact(text))
        for run in re.findall(r"[0-9A-Z]+", compacted):
            if _LICENCE_NUMBER.search(run):
                continue
            if 17 <= len(run) <= 19:
                out.append(run)
            elif 19 < len(run) <= 24:  # a label read as letters glued on: try its 18-tails
                out.extend(run[i : i + 18] for i in range(len(run) - 17))
    return out
