"""What each message says, in the reader's language: Jinja templates per event.

``templates/mail/<event>.<zh|en>.txt``: the first line is the subject, the rest the body.
Templates get words, never keys: field names come as labels from
:mod:`portal.domain.fields`, people and suppliers by name, and every message ends with the
link to the page where the reader acts (:func:`link`). A missing variable is an error
(``StrictUndefined``), never an empty hole or a literal ``{{``.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from approvals import ChangeRequest, FieldChange
from portal.domain.fields import spec
from portal.notifications.recipients import Recipient, Rendered
from portal.resources import templates_dir

__all__ = ["EVENTS", "field_label", "link", "render"]

#: Every event that sends messages: who reads it and what it is about.
EVENTS: Mapping[str, str] = {
    "change_submitted": "purchasing supervisors: a change request waits for their review",
    "change_decided": "the supplier: their change request was decided",
    "supplier_alert": "purchasing supervisors: the registry or the tax bureau says something new",
    "approval_reminder": "approvers: a request has waited longer than the reminder time",
    "approval_escalated": "the next role: a request has waited past the escalation time",
    "licence_expiring": "the supplier: their business licence expires in 30, 7 or 0 days",
    "yearly_confirmation": "the supplier: it is time to confirm their data for the year",
    "registry_facts_to_confirm": "the supplier: the registry or the tax bureau shows new "
    "facts; a prefilled draft change request asks them to confirm",
}

_ENTITY = {
    "supplier": ("基本信息", "company details"),
    "bank_account": ("银行账户", "bank account"),
    "invoicing_profile": ("开票信息", "invoicing details"),
    "contact": ("联系人", "contact"),
}


@cache
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(templates_dir() / "mail")),
        undefined=StrictUndefined,
        autoescape=False,  # noqa: S701  (plain-text messages: nothing here is HTML)
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def field_label(change: FieldChange, language: str) -> str:
    """``银行账户 · 银行账号`` / ``bank account · account number``: never the raw key."""
    zh, en = _ENTITY.get(str(change.entity), (str(change.entity), str(change.entity)))
    try:
        field = spec(str(change.entity), change.field_name)
        name = field.zh if language == "zh" else field.en
    except KeyError:
        name = change.field_name.replace("_", " ")
    return f"{zh if language == 'zh' else en} · {name}"


def fields_of(request: ChangeRequest, language: str) -> list[str]:
    """The changed fields of a request as words, each once."""
    return list(dict.fromkeys(field_label(c, language) for c in request.changes))


def link(public_url: str, path: str) -> str:
    """An absolute link into the portal."""
    return public_url.rstrip("/") + path


def render(event: str, reader: Recipient, values: Mapping[str, Any]) -> Rendered:
    """The message of ``event`` for ``reader`` in their language (zh when unknown)."""
    if event not in EVENTS:
        raise KeyError(f"no templates for the event {event!r}")
    language = reader.language if reader.language in ("zh", "en") else "zh"
    template = _environment().get_template(f"{event}.{language}.txt")
    text = template.render(reader=reader.name, **values).strip()
    subject, _, body = text.partition("\n")
    return Rendered(subject=subject.strip(), body=body.strip() + "\n")
