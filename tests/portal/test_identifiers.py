"""Identifier checks agree with python-stdnum where it has them."""

from __future__ import annotations

import random

from stdnum.cn import uscc as stdnum_uscc

from portal.domain import uscc
from portal.domain.uscc_factory import make_uscc


def test_check_character_agrees_with_python_stdnum() -> None:
    rng = random.Random(5)
    for _ in range(2000):
        body = "".join(rng.choice(uscc.ALPHABET) for _ in range(17))
        assert uscc.calc_check_digit(body) == stdnum_uscc.calc_check_digit(body)


def test_codes_valid_here_are_valid_for_python_stdnum() -> None:
    for seed in range(500):
        code = make_uscc(seed)
        assert uscc.is_valid(code) and stdnum_uscc.is_valid(code)


def test_a_code_with_a_bad_embedded_organisation_code_is_refused() -> None:
    # Valid for stdnum (final check only) but the GB 11714 check inside fails.
    first17 = "91110000" + "60003734" + "2"
    code = first17 + uscc.calc_check_digit(first17)
    assert stdnum_uscc.is_valid(code)
    assert not uscc.is_valid(code)
