"""Deciding whether two probes are the same company, and how sure we are.

Names are compared on their comparable cores with rapidfuzz's normalised
Indel similarity. Two names that each state a place, and not the same one
(上海示例科技 / 北京示例科技), are more often two companies (or branches)
than one typed twice: their score is lowered below the threshold.

>>> round(name_similarity('上海示例科技', '示例科技（上海）有限公司'), 2)
1.0
>>> name_similarity('上海示例科技有限公司', '北京示例科技有限公司') < NAME_THRESHOLD
True
>>> round(name_similarity('示例网络信息科技', '示列网络信息科技'), 2)
0.75
>>> round(name_similarity('示例网络信息科技', '示例网洛信息科技'), 2)
0.88
>>> place_of('示例科技（上海）有限公司'), place_of('北京市示例科技'), place_of('示例科技')
('上海', '北京', None)
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from rapidfuzz.distance import Indel

from portal.domain import names
from portal.resolution.keys import comparable_core
from portal.resolution.model import Attribute, Match, Probe

#: Name similarity from which a pair is reported as ``duplicate.similar_name``.
NAME_THRESHOLD = 0.84
#: Factor applied when both names state different places.
PLACE_CONFLICT = 0.75
#: Scores of shared attributes: how strongly each alone suggests one company.
SCORES: dict[Attribute, float] = {
    Attribute.USCC: 1.0,
    Attribute.FOREIGN_TAX_ID: 1.0,
    Attribute.ORG_CODE: 0.99,
    Attribute.BANK_ACCOUNT: 0.95,
    Attribute.LEGAL_REP_ADDRESS: 0.9,
    Attribute.PHONE: 0.8,
}

_PLACES = tuple(sorted(names.PROVINCES + names.CITIES, key=len, reverse=True))
_BRACKETED = re.compile(r"（([^（）]*)）")


@functools.lru_cache(maxsize=names.MEMO_SIZE)
def place_of(name: str) -> str | None:
    """The province or city a name states (as prefix or in brackets), if any."""
    text = names.normalise(name)
    for place in _PLACES:
        if text.startswith(place):
            return place
    for inside in _BRACKETED.findall(text):
        for place in _PLACES:
            if inside.startswith(place):
                return place
    return None


def _common_tail(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[-1 - n] == b[-1 - n]:
        n += 1
    return n


def core_similarity(core_a: str, core_b: str) -> float:
    """Similarity of two comparable cores, 0..1."""
    if not core_a or not core_b:
        return 0.0
    if core_a == core_b:
        return 1.0
    score = float(Indel.normalized_similarity(core_a, core_b))
    tail = _common_tail(core_a, core_b)
    if tail >= 2 and len(core_a) > tail and len(core_b) > tail:
        # same industry word, different trade name (北汇供应链管理 / 远汇供应链管理): the
        # trade name is what tells companies apart, so it decides
        trade = float(Indel.normalized_similarity(core_a[:-tail], core_b[:-tail]))
        score = min(score, 0.5 + 0.5 * trade)
    return score


def name_similarity(a: str, b: str) -> float:
    """Similarity of two company names, 0..1, lowered on a place conflict."""
    score = core_similarity(comparable_core(a), comparable_core(b))
    place_a, place_b = place_of(a), place_of(b)
    if place_a and place_b and place_a != place_b:
        score *= PLACE_CONFLICT
    return score


def names_may_match(cores_a: Sequence[str], cores_b: Sequence[str]) -> bool:
    """Whether any two names could reach :data:`NAME_THRESHOLD`.

    A cheap bound, exact by construction: :func:`name_similarity` never exceeds the
    plain Indel similarity of the two cores (the trade-name and place rules only
    lower it), so a pair below the threshold here is below it there too.

    >>> names_may_match(['示例科技'], ['示列科技']), names_may_match(['示例科技'], ['远航物流'])
    (False, False)
    >>> names_may_match(['示例网络信息科技'], ['示例网洛信息科技'])
    True
    """
    similarity = Indel.normalized_similarity
    for a in cores_a:
        for b in cores_b:
            if a and b and (a == b or similarity(a, b, score_cutoff=NAME_THRESHOLD)):
                return True
    return False


def best_name_match(a: Probe, b: Probe) -> tuple[float, Attribute, str, str]:
    """The most similar pair of names of two probes: score, attribute, name of a, name of b."""
    best = (0.0, Attribute.NAME, "", "")
    for i, name_a in enumerate(a.names):
        for j, name_b in enumerate(b.names):
            score = name_similarity(name_a, name_b)
            if score > best[0]:
                attribute = Attribute.NAME if i == 0 and j == 0 else Attribute.FORMER_NAME
                best = (score, attribute, name_a, name_b)
    return best


def compare(a: Probe, b: Probe) -> list[Match]:
    """Every reason to believe ``a`` and ``b`` are one company (empty when none).

    Equal credit codes (or foreign tax numbers) say everything: nothing else is reported
    for that pair.
    """

    def match(attribute: Attribute, score: float, detail: str) -> Match:
        return Match(a.ref, b.ref, b.name, attribute, round(score, 3), detail)

    if a.ref == b.ref:
        return []
    if a.uscc and a.uscc == b.uscc:
        return [match(Attribute.USCC, SCORES[Attribute.USCC], a.uscc)]
    if a.foreign_tax_id and a.foreign_tax_id == b.foreign_tax_id:
        number = a.foreign_tax_id.partition(":")[2]
        return [match(Attribute.FOREIGN_TAX_ID, SCORES[Attribute.FOREIGN_TAX_ID], number)]
    found: list[Match] = []
    if a.org_code and a.org_code == b.org_code:
        found.append(match(Attribute.ORG_CODE, SCORES[Attribute.ORG_CODE], a.org_code))
    score, attribute, name_a, name_b = best_name_match(a, b)
    if score >= NAME_THRESHOLD:
        found.append(match(attribute, score, f"{name_a} ~ {name_b}"))
    if a.bank_accounts & b.bank_accounts:
        found.append(match(Attribute.BANK_ACCOUNT, SCORES[Attribute.BANK_ACCOUNT], ""))
    if a.phones & b.phones:
        found.append(match(Attribute.PHONE, SCORES[Attribute.PHONE], ""))
    same_person = (a.rep_id is not None and a.rep_id == b.rep_id) or (
        a.representative is not None and a.representative == b.representative
    )
    if same_person and a.address is not None and a.address == b.address:
        found.append(
            match(Attribute.LEGAL_REP_ADDRESS, SCORES[Attribute.LEGAL_REP_ADDRESS], a.address)
        )
    return found
