"""Jinja filters every page uses to show people and times as people read them.

Registered once on the template engine (:func:`register`, called by the app factory):

- ``{{ entry.at|local_time }}``: a stored time (UTC, aware or naive) or ISO text, shown in
  Asia/Shanghai as ``2026-11-02 16:00``; ``local_time('%Y-%m-%d')`` for a day;
- ``{{ request.requested_by|person }}``: an account id, login subject, ``api:<client>`` or
  ``cli:<user>`` shown as the person's name, the API client's name or "命令行"; an id nobody
  knows reads "（未知账号）", never the id;
- ``{{ value|label }}``: a stored code (state, kind, role, flag) in the page's language.

>>> from datetime import UTC, datetime
>>> local_time(datetime(2026, 11, 2, 8, 0, tzinfo=UTC))
'2026-11-02 16:00'
>>> local_time("2026-11-02T08:00:00+00:00", "%H:%M"), local_time(None)
('16:00', '—')
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from jinja2 import Environment, pass_context
from jinja2.runtime import Context

__all__ = ["SHOWN_IN", "NameLookup", "detail_words", "local_time", "person_name", "register"]

#: The zone people read times in (the portal's users are in mainland China).
SHOWN_IN = ZoneInfo("Asia/Shanghai")
#: ``ids -> {id: name}``: the names of the accounts known by these ids (one query a call).
NameLookup = Callable[[Iterable[str]], Mapping[str, str]]

_UNKNOWN = {"zh": "（未知账号）", "en": "(unknown account)"}
_CLI = {"zh": "命令行", "en": "command line"}
_API = {"zh": "接口", "en": "API"}
_SYSTEM = {"zh": "系统", "en": "system"}
_JOBS = {
    "verification": ("自动核验", "verification"),
    "ocr-worker": ("执照识别", "licence reading"),
}
_SYSTEM_ACTORS = frozenset({"system", "scheduler", "worker", "anonymous", "import"})
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
_ANY_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
_PATH = re.compile(r"([a-z_]+)\[[^\]]*\]\.([a-z_]+)")
_WORD = re.compile(r"[a-z][a-z_]*(?:\.[a-z_]+)*")


def detail_words(text: str | None, translate: Callable[[str], str]) -> str:
    """A stored detail (``key: value · ...``) with codes as words and ids left out.

    >>> words = {"v:bank_account": "银行账户", "v:account_number": "账号", "v:kind": "v:kind"}
    >>> t = lambda key: words.get(key, key)
    >>> path = "bank_account[0b6e4c1e-6a1f-4b89-9d7e-2d6f0a3b5c7d].account_number"
    >>> detail_words(f"changes: {path}", t)
    'changes: 银行账户·账号'
    """
    if not text:
        return ""

    def label(code: str) -> str:
        shown = translate(f"v:{code}")
        return code if shown in (f"v:{code}", code[2:]) else shown

    out = _PATH.sub(lambda m: f"{label(m.group(1))}·{label(m.group(2))}", text)
    out = _ANY_UUID.sub("…", out)
    return _WORD.sub(lambda m: label(m.group(0)), out)


def local_time(value: object, fmt: str = "%Y-%m-%d %H:%M", zone: ZoneInfo = SHOWN_IN) -> str:
    """A stored time in Asia/Shanghai, or ``zone`` (naive times are UTC, as the database
    keeps them)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return str(value)
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(zone).strftime(fmt)
    if isinstance(value, date):
        return value.strftime(fmt.split(" ")[0])
    return str(value)


def _lang(ctx: Context) -> str:
    lang = str(ctx.get("lang") or "zh")
    return "en" if lang.startswith("en") else "zh"


def person_name(subject: str | None, names: Mapping[str, str], lang: str = "zh") -> str:
    """How a page names whoever ``subject`` is (see the module's docstring).

    >>> person_name("u-1", {"u-1": "张三"}), person_name("api:erp", {}, "en")
    ('张三', 'API erp')
    >>> person_name("0b6e4c1e-6a1f-4b89-9d7e-2d6f0a3b5c7d", {}), person_name("cli:root", {})
    ('（未知账号）', '命令行 root')
    >>> person_name("system:verification", {}, "en")
    'system · verification'

    """
    if not subject:
        return "—"
    if subject in names:
        return names[subject]
    head, _, rest = subject.partition(":")
    if head == "api" and rest:
        return names.get(rest) or f"{_API[lang]} {rest}"
    if head == "cli":
        return f"{_CLI[lang]} {rest}".strip()
    if head == "system":
        job = _JOBS.get(rest)
        return f"{_SYSTEM[lang]} · {job[0 if lang == 'zh' else 1]}" if job else _SYSTEM[lang]
    if subject in _SYSTEM_ACTORS:
        return _SYSTEM[lang]
    return _UNKNOWN[lang]


def register(
    env: Environment, names: NameLookup | None = None, zone: str = "Asia/Shanghai"
) -> None:
    """Add the filters to a Jinja environment (the app factory calls this once, with the
    zone of ``PORTAL_DISPLAY_TIMEZONE``)."""
    lookup: NameLookup = names or (lambda ids: {})
    shown_in = ZoneInfo(zone)

    def in_zone(value: object, fmt: str = "%Y-%m-%d %H:%M") -> str:
        return local_time(value, fmt, shown_in)

    @pass_context
    def person(ctx: Context, subject: str | None) -> str:
        known = ctx.get("people")  # a page may hand over the names it already has
        found = dict(known) if isinstance(known, Mapping) else {}
        if subject and subject not in found:
            found.update(lookup([subject, subject.removeprefix("api:")]))
        return person_name(subject, found, _lang(ctx))

    @pass_context
    def label(ctx: Context, value: object) -> str:
        code = getattr(value, "value", value)
        translate = ctx.get("t")
        if callable(translate):
            return str(translate(f"v:{code}"))
        return str(code)

    @pass_context
    def detail(ctx: Context, text: str | None) -> str:
        translate = ctx.get("t")
        if not callable(translate):
            return _ANY_UUID.sub("…", text or "")
        return detail_words(text, lambda key: str(translate(key)))

    env.filters["detail"] = detail
    env.filters["local_time"] = in_zone
    env.filters["person"] = person
    env.filters["label"] = label
    env.globals["local_time"] = in_zone
    env.globals["is_uuid"] = lambda text: bool(_UUID.match(str(text)))
