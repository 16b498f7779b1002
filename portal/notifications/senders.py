"""Which outbox channels can be sent, from the environment: e-mail over SMTP when
``PORTAL_SMTP_HOST`` is set, the WeCom/DingTalk group robot when ``PORTAL_WEBHOOK_URL`` is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import httpx

from portal.notifications.messages import RobotWebhookSender
from portal.notifications.outbox import Channel, Sender, SmtpEmailSender, load_smtp_settings


def email_sender(env: Mapping[str, str]) -> Sender | None:
    """SMTP sender, or None when SMTP is not configured."""
    smtp = load_smtp_settings(env)
    return SmtpEmailSender(smtp) if smtp.configured else None


def webhook_sender(env: Mapping[str, str]) -> Sender | None:
    """Group-robot sender (``PORTAL_WEBHOOK_FLAVOUR``: wecom, the default, or dingtalk)."""
    url = env.get("PORTAL_WEBHOOK_URL")
    if not url:
        return None
    client = httpx.Client(timeout=10.0)
    if env.get("PORTAL_WEBHOOK_FLAVOUR") == "dingtalk":
        return RobotWebhookSender(url, client, flavour="dingtalk")
    return RobotWebhookSender(url, client, flavour="wecom")


#: channel -> factory reading its settings from the environment (None: not configured).
SENDER_FACTORIES: dict[str, Callable[[Mapping[str, str]], Sender | None]] = {
    Channel.EMAIL.value: email_sender,
    Channel.WEBHOOK.value: webhook_sender,
}


def configured_senders(env: Mapping[str, str]) -> dict[str, Sender]:
    """The senders whose settings are present (a malformed setting raises ValueError)."""
    senders = {}
    for channel, factory in SENDER_FACTORIES.items():
        sender = factory(env)
        if sender is not None:
            senders[channel] = sender
    return senders
