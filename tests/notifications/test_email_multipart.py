"""E-mail leaves as text and HTML alternatives, in each reader's language, through a real
SMTP server (aiosmtpd on loopback, started here), and its link opens for the reader."""

from __future__ import annotations

import re
from email.message import EmailMessage
from typing import Any

from portal.notifications.outbox import OutboxWorker, SmtpEmailSender, SmtpSettings
from tests.notifications.conftest import Inbox
from tests.web_portal.test_messages_reach_people import LINK, _leaks, directory
from tests.web_portal.test_portal_flow import propose_bank_change

__all__ = ["directory"]

HREF = re.compile(r'href="([^"]+)"')


def _parts(message: EmailMessage) -> dict[str, str]:
    return {
        part.get_content_type(): str(part.get_content())  # type: ignore[attr-defined]
        for part in message.iter_parts()
    }


async def test_a_change_request_mail_arrives_as_text_and_html_in_each_readers_language(
    site: Any,
    as_user: Any,
    clock: Any,
    directory: dict[str, str],
    smtp_server: tuple[Inbox, int],
) -> None:
    inbox, port = smtp_server
    request_id = await propose_bank_change(site, as_user)
    sender = SmtpEmailSender(SmtpSettings(host="127.0.0.1", port=port, starttls=False))
    worker = OutboxWorker(site.services.engine, {"email": sender}, sealer=site.services.sealer)
    report = worker.run_once()  # the messages were queued at the real time
    assert (report.sent, report.errors) == (2, [])

    got = {to[0]: message for to, message in inbox.received}
    assert set(got) == {"alice@buyer.cn", "bob@buyer.cn"}  # zh and en supervisors
    for address, language, greeting in (
        ("alice@buyer.cn", "zh-CN", "Alice 王"),
        ("bob@buyer.cn", "en", "Bob Li"),
    ):
        message = got[address]
        assert message.get_content_type() == "multipart/alternative"
        parts = _parts(message)
        assert set(parts) == {"text/plain", "text/html"}
        text, page = parts["text/plain"], parts["text/html"]
        assert greeting in text and greeting in page
        assert f'<html lang="{language}">' in page and message["Content-Language"] == language
        assert ("银行账户变更" in text) == (language == "zh-CN")
        assert ("bank account change" in text) == (language == "en")
        assert _leaks(f"{message['Subject']}\n{text}") == []
        [deep_link] = LINK.findall(text)
        assert deep_link == f"/staff/changes/{request_id}"
        links = [href for href in HREF.findall(page)]
        assert links and all(href.endswith(deep_link) for href in links)
        reader = directory[address]
        opened = await as_user(reader).get(links[0].removeprefix("http://testserver.local"))
        assert opened.status_code == 200, (reader, links[0])
        assert "<script" not in page and "{{" not in page
