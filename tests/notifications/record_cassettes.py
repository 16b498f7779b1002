"""Write the WeCom and DingTalk cassettes from the documented request and answer shapes.

Nobody here holds a WeCom or DingTalk application, so the cassettes are built, not
recorded: each interaction is the request the real adapter sends (built by the adapter
itself, credentials replaced by ``FILTERED``) and the answer the platform documents for it
(docs/notifications.md quotes both). Run ``python -m tests.notifications.record_cassettes``
after changing a payload; the contract test replays them with vcrpy.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import yaml

from portal.notifications.outbox import OutboxMessage
from portal.notifications.personal import DingTalkWorkSender, WeComAppSender

HERE = Path(__file__).parent / "cassettes"
KNOWN = "WangFang"
UNKNOWN = "NoSuchUser"
MESSAGE = OutboxMessage(
    id="m1", channel="wecom", recipient=KNOWN,
    subject="【待审批】上海甲贸易有限公司 提交了银行账户变更申请",
    body="王芳，您好：\n请打开审批页面核对并审批：\nhttps://portal.example.cn/staff/changes/1",
)  # fmt: skip


def _interaction(request: httpx.Request, answer: dict[str, Any]) -> dict[str, Any]:
    url = request.url.copy_remove_param("access_token").copy_remove_param("corpsecret")
    url = url.copy_remove_param("appsecret")
    return {
        "request": {
            "body": request.content.decode() if request.content else "",
            "headers": {"content-type": [request.headers.get("content-type", "")]},
            "method": request.method,
            "uri": str(url),
        },
        "response": {
            "body": {"string": json.dumps(answer, ensure_ascii=False)},
            "headers": {"content-type": ["application/json; charset=UTF-8"]},
            "status": {"code": 200, "message": "OK"},
        },
    }


def wecom() -> list[dict[str, Any]]:
    client = httpx.Client()
    sender = WeComAppSender(client, corp_id="ww0123456789", secret="FILTERED", agent_id=1000002)
    token = sender._token_request()
    answer_token = {"errcode": 0, "errmsg": "ok", "access_token": "FILTERED", "expires_in": 7200}
    known = client.build_request(
        "POST", f"{sender.base}/message/send", json=sender.payload(MESSAGE)
    )
    unknown_message = OutboxMessage(**{**MESSAGE.__dict__, "recipient": UNKNOWN})
    unknown = client.build_request(
        "POST", f"{sender.base}/message/send", json=sender.payload(unknown_message)
    )
    return [
        _interaction(token, answer_token),
        _interaction(known, {"errcode": 0, "errmsg": "ok", "invaliduser": "",
                             "msgid": "xxxx-msgid-1", "response_code": ""}),
        _interaction(unknown, {"errcode": 81013, "errmsg": "user & party & tag all invalid"}),
    ]  # fmt: skip


def _send_result(invalid: list[str]) -> dict[str, Any]:
    """``getsendresult``'s documented answer: the lists of users by outcome."""
    return {"errcode": 0, "errmsg": "ok", "request_id": "5pd4wb9ii7ez", "send_result": {
        "invalid_user_id_list": invalid, "forbidden_user_id_list": [],
        "failed_user_id_list": [], "read_user_id_list": [],
        "unread_user_id_list": [] if invalid else [KNOWN], "invalid_dept_id_list": [],
        "forbidden_list": [],
    }}  # fmt: skip


def dingtalk() -> list[dict[str, Any]]:
    client = httpx.Client()
    sender = DingTalkWorkSender(client, app_key="dingapp", app_secret="FILTERED", agent_id=2001)
    token = sender._token_request()
    interactions = [
        _interaction(token, {"errcode": 0, "errmsg": "ok", "access_token": "FILTERED",
                             "expires_in": 7200}),
    ]  # fmt: skip
    for task, recipient, invalid in ((256271667526, KNOWN, []),
                                     (256271667527, UNKNOWN, [UNKNOWN])):  # fmt: skip
        message = OutboxMessage(
            **{**MESSAGE.__dict__, "channel": "dingtalk", "recipient": recipient}
        )
        send = client.build_request(
            "POST",
            f"{sender.base}/topapi/message/corpconversation/asyncsend_v2",
            json=sender.payload(message),
        )
        interactions += [
            _interaction(send, {"errcode": 0, "errmsg": "ok", "task_id": task,
                                "request_id": "4jzllmte0wau"}),
            _interaction(sender.result_request("FILTERED", task), _send_result(invalid)),
        ]  # fmt: skip
    return interactions


def write_cassettes(folder: Path, cassettes: dict[str, list[dict[str, Any]]]) -> None:
    """Write each cassette (vcrpy's YAML, version 1) and say how many interactions."""
    for name, interactions in cassettes.items():
        text = yaml.safe_dump(
            {"interactions": interactions, "version": 1}, allow_unicode=True, sort_keys=True
        )
        (folder / name).write_text(text, encoding="utf-8")
        print(f"wrote {name}: {len(interactions)} interactions")


def main() -> None:
    write_cassettes(HERE, {"wecom.yaml": wecom(), "dingtalk.yaml": dingtalk()})


if __name__ == "__main__":
    main()
