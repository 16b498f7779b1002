"""A browser form that fails validation comes back filled in, the message next to the field.

Controllers catch the use case's validation error and answer :func:`form_again`: the same
template, status 422, with ``form`` (what the user typed) and ``errors`` (field -> message
in the user's language; ``_form`` for a message about the whole form). Templates show a
field's message with ``{{ field_error(errors, 'name') }}`` from ``partials/fields.html``.
The API keeps answering JSON from the one error table (:mod:`portal.web.errors`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litestar import Request
from litestar.response import Template

from portal.web.i18n import language_of

__all__ = ["field_errors", "form_again"]

#: Validation errors that name fields (findings) or one field (``field``).
_FORM = "_form"


def _message(obj: Any, zh: bool) -> str:
    if zh:
        return str(getattr(obj, "message_zh", None) or getattr(obj, "message", None) or obj)
    return str(getattr(obj, "message_en", None) or obj)


def field_errors(exc: Exception, *, zh: bool) -> dict[str, str]:
    """``{field: message}`` of a validation error (its findings, or its one field)."""
    errors: dict[str, str] = {}
    for finding in getattr(exc, "findings", None) or ():
        name = (getattr(finding, "field_name", None) or _FORM).rsplit(".", 1)[-1]
        name = name.split("[", 1)[0] or _FORM
        message = finding.message_zh if zh else finding.message_en
        errors[name] = f"{errors[name]}；{message}" if name in errors else message
    if not errors:
        field = getattr(exc, "field", None)
        errors[field if isinstance(field, str) and field else _FORM] = _message(exc, zh)
    return errors


def form_again(
    request: Request[Any, Any, Any],
    template: str,
    exc: Exception,
    form: Mapping[str, str],
    **context: Any,
) -> Template:
    """The form's page again (422) with what was typed and each field's message."""
    from portal.web.portal_area import page  # the area imports this module's users

    zh = language_of(request) == "zh"
    typed = {k: v for k, v in form.items() if not k.startswith("_")}
    return page(
        request,
        template,
        status_code=422,
        form=typed,
        errors=field_errors(exc, zh=zh),
        **context,
    )
