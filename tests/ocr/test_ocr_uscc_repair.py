import random

import pytest

from ocr.corpus.data import make_uscc
from ocr.uscc_repair import candidate_strings, repair
from portal.domain import uscc

CODE = "91110000600037341L"


def test_a_valid_code_is_read_as_is():
    assert repair(CODE).status == "read"
    assert repair(CODE).code == CODE


@pytest.mark.parametrize(
    "misread",
    [
        "9111OOOO6OOO3734IL",  # O for 0 and I for 1, which the alphabet forbids
        "91110000600O37341L",  # one O inside the organisation code
        "911100006000373417L",  # one spurious character
    ],
)
def test_a_unique_repair_is_accepted(misread):
    result = repair(misread)
    assert (result.code, result.status) == (CODE, "repaired")


def test_an_ambiguous_repair_is_refused():
    # Find a misreading with two valid repairs at the same distance: it must be refused.
    rng = random.Random(7)
    for _ in range(2000):
        code = make_uscc(rng, "310115")
        chars = list(code)
        for i in (9, 12):
            chars[i] = {"0": "O", "1": "I", "5": "S", "2": "Z"}.get(chars[i], chars[i])
        misread = "".join(chars)
        outcome = repair(misread)
        if len(outcome.candidates) > 1:
            assert outcome.code is None
            assert outcome.status == "unreadable"
            assert "refusing to guess" in outcome.reason
            return
    # Two confusable characters at once usually still pin down one code; build one by hand.
    outcome = repair("9131011" + "5" + "MA1H7GXX" + "??")
    assert outcome.code is None


def test_one_confused_character_is_repaired_or_refused_never_miscorrected():
    rng = random.Random(3)
    outcomes = {"right": 0, "refused": 0}
    for _ in range(300):
        code = make_uscc(rng, "440305")
        i = rng.choice([i for i, c in enumerate(code) if c in "0O1I72Z5S8BUVDQL"])
        confusions = {"0": "OD", "1": "IL", "7": "1", "2": "Z", "5": "S", "8": "B", "U": "V"}
        damaged = code[:i] + rng.choice(confusions.get(code[i], "0")) + code[i + 1 :]
        outcome = repair(damaged)
        assert outcome.code in (code, None)
        outcomes["right" if outcome.code else "refused"] += 1
    assert outcomes["right"] > 280


def test_a_twenty_digit_licence_number_is_never_taken_for_a_code():
    outcome = repair("38778408016097535139")
    assert outcome.code is None
    assert "证照编号" in outcome.reason
    assert candidate_strings(["证照编号：38778408016097535139"]) == []


def test_repairs_propose_only_licence_prefixes():
    assert repair("97440305MAH4BXKF10").code is None


def test_a_nineteen_digit_run_is_refused_too():
    assert repair("9111000060003734101").code is None


def test_repairs_never_return_an_invalid_code():
    rng = random.Random(11)
    for _ in range(200):
        code = make_uscc(rng, "110108")
        chars = list(code)
        i = rng.randrange(18)
        chars[i] = rng.choice("0OD1IL7Z2S5B8UV")
        outcome = repair("".join(chars))
        assert outcome.code is None or uscc.is_valid(outcome.code)
        assert outcome.code in (None, code) or outcome.status == "repaired"
