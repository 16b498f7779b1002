"""The group robot speaks the configured language (``PORTAL_WEBHOOK_LANGUAGE``): a tiny
HTTP server on loopback plays the WeCom/DingTalk robot and keeps what it was posted."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from portal.config import ConfigError, load_settings
from portal.notifications import outbox
from portal.notifications.messages import OutboxNotifier, RobotWebhookSender
from tests.web_portal.conftest import BASE_URL
from tests.web_portal.test_messages_reach_people import LINK, _leaks, directory
from tests.web_portal.test_portal_flow import propose_bank_change

__all__ = ["directory"]


@pytest.mark.parametrize(
    ("language", "says", "not_says"),
    [
        ("zh", ["各位采购主管", "银行账户变更"], ["purchasing supervisors", "bank account change"]),
        ("en", ["purchasing supervisors", "bank account change"], ["各位采购主管", "银行账户变更"]),
    ],
)
async def test_the_group_robot_tells_the_supervisors_in_the_configured_language(
    site: Any,
    as_user: Any,
    directory: dict[str, str],
    robot: tuple[str, list[dict[str, Any]]],
    language: str,
    says: list[str],
    not_says: list[str],
) -> None:
    url, posted = robot
    site.deps.notifier = OutboxNotifier(
        outbox.enqueue, public_url=BASE_URL, webhook=True, webhook_language=language
    )
    request_id = await propose_bank_change(site, as_user)
    with httpx.Client() as client:
        sender = RobotWebhookSender(url, client, flavour="wecom")
        report = outbox.OutboxWorker(site.services.engine, {"webhook": sender}).run_once()
    assert (report.sent, report.errors) == (1, [])
    [message] = posted
    content = message["markdown"]["content"]
    assert all(words in content for words in says), content
    assert not any(words in content for words in not_says), content
    assert _leaks(content) == []
    assert LINK.findall(content) == [f"/staff/changes/{request_id}"]
    opened = await as_user("alice").get(f"/staff/changes/{request_id}")
    assert opened.status_code == 200


def test_the_robot_language_is_a_setting_and_only_zh_or_en_is_accepted() -> None:
    assert load_settings({}).outbox.webhook_language == "zh"
    assert load_settings({"PORTAL_WEBHOOK_LANGUAGE": "en"}).outbox.webhook_language == "en"
    with pytest.raises(ConfigError, match="PORTAL_WEBHOOK_LANGUAGE"):
        load_settings({"PORTAL_WEBHOOK_LANGUAGE": "fr"})
