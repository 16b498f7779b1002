"""Invisible and direction-changing characters are taken out of imported text."""

from __future__ import annotations

import unicodedata

from portal.domain import text


def _by_category(value: str) -> str:
    return "".join(ch for ch in value if unicodedata.category(ch) != "Cf")


def test_every_format_character_is_taken_out_and_nothing_else():
    every_cf = [chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Cf"]
    value = "示例" + "科".join(every_cf) + "技有限公司\u00a0\u3000ß"
    assert text.strip_invisible(value) == _by_category(value)
    assert text.strip_invisible(value).startswith("示例科科")


def test_a_name_with_a_zero_width_space_and_a_bidi_override_is_stored_clean():
    assert text.clean("\u200b示例\u202e科技有限公司\ufeff", "name") == "示例科技有限公司"


def test_plain_text_is_left_alone():
    assert text.strip_invisible("Example Trading GmbH") == "Example Trading GmbH"
    assert text.strip_invisible("上海（示例）科技有限公司") == "上海（示例）科技有限公司"
