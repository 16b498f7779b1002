"""Chinese first, English on request: messages by key, language from a cookie.

Templates call ``t('key')``; areas add their messages with :func:`add_messages`.
``/lang/en`` and ``/lang/zh`` set the cookie and go back where the user was.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.params import FromPath
from litestar.response import Redirect

from portal.web.labels import value_messages

LANGUAGES = ("zh", "en")
DEFAULT = "zh"
_MESSAGES: dict[str, dict[str, str]] = {
    "app.title": {"zh": "供应商主数据门户", "en": "Supplier Portal"},
    "nav.logout": {"zh": "退出", "en": "Log out"},
    "nav.login": {"zh": "登录", "en": "Log in"},
    "lang.switch": {"zh": "English", "en": "中文"},
}
_MESSAGES.update(value_messages())


def add_messages(messages: dict[str, dict[str, str]]) -> None:
    """Register messages of an area (every language must be present)."""
    for key, texts in messages.items():
        missing = [lang for lang in LANGUAGES if lang not in texts]
        if missing:
            raise ValueError(f"message {key} lacks {', '.join(missing)}")
        _MESSAGES[key] = texts


def language_of(request: Request[Any, Any, Any]) -> str:
    """The user's language: ``lang`` cookie, else Chinese."""
    lang = request.cookies.get("lang", DEFAULT)
    return lang if lang in LANGUAGES else DEFAULT


def translate(key: str, lang: str, **values: object) -> str:
    """The message in ``lang`` (falls back to Chinese, then to the key itself)."""
    texts = _MESSAGES.get(key)
    if texts is None:
        return key[2:] if key.startswith("v:") else key
    text = texts.get(lang) or texts[DEFAULT]
    return text.format(**values) if values else text


def translator(request: Request[Any, Any, Any]) -> Any:
    """A ``t(key, **values)`` function for templates, bound to the request's language."""
    lang = language_of(request)
    return lambda key, **values: translate(key, lang, **values)


@get("/lang/{code:str}", sync_to_thread=False, include_in_schema=False)
def switch_language(request: Request[Any, Any, Any], code: FromPath[str]) -> Redirect:
    """Set the language cookie and return to the referring page on this site."""
    referer = request.headers.get("referer", "/")
    base = str(request.base_url)
    target = referer if referer.startswith(base) else "/"
    response = Redirect(path=target)
    response.set_cookie(
        "lang",
        code if code in LANGUAGES else DEFAULT,
        max_age=365 * 86400,
        httponly=True,
        samesite="lax",
    )
    return response
