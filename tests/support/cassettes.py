"""Replaying recorded provider answers (vcrpy): credentials filtered, signatures ignored.

The vcrpy configuration matches on method, host, path and the business query
parameters only (signatures change every second), and filters every credential
header and query parameter out of what it writes. ``registry.testing`` builds
the provider bodies; this module is only for tests and the recording scripts,
because vcrpy is a development dependency.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import vcr

#: Business parameters that select an answer; everything else (key, signature) is ignored.
MATCHED_PARAMS = (
    "keyword", "keyWord", "searchKey", "creditCode", "companyName", "operName",
    "code", "name", "legalPersonName",
)  # fmt: skip


def _business_query(r1: Any, r2: Any) -> None:
    def selected(uri: str) -> list[tuple[str, str]]:
        pairs = parse_qsl(urlsplit(uri).query, keep_blank_values=True)
        return sorted((k, v) for k, v in pairs if k in MATCHED_PARAMS)

    if selected(r1.uri) != selected(r2.uri):
        raise AssertionError(f"{selected(r1.uri)} != {selected(r2.uri)}")


def cassette_vcr(record_mode: str = "none") -> vcr.VCR:
    """vcrpy configured for every provider: credentials filtered, signatures ignored."""
    recorder = vcr.VCR(
        record_mode=record_mode,
        match_on=["method", "host", "path", "business_query"],
        filter_headers=[
            ("Token", "FILTERED"),
            ("Timespan", "FILTERED"),
            ("Authorization", "FILTERED"),
            ("appkey", "FILTERED"),
            ("timestamp", "FILTERED"),
            ("sign", "FILTERED"),
        ],
        filter_query_parameters=["key", "secret_key", "appkey"],
        decode_compressed_response=True,
    )
    recorder.register_matcher("business_query", _business_query)
    return recorder


def use_cassette(path: Path, record_mode: str = "none") -> Any:
    """Replay (or, with ``record_mode="all"``, write) one provider's cassette."""
    return cassette_vcr(record_mode).use_cassette(str(path), allow_playback_repeats=True)


def cassette_text(paths: Iterable[Path]) -> str:
    """All cassette text, to check that no credential leaked into it."""
    return "\n".join(p.read_text(encoding="utf-8") for p in paths)


__all__ = ["MATCHED_PARAMS", "cassette_text", "cassette_vcr", "use_cassette"]
