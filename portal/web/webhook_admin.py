"""The administrator's webhook screen: subscriptions, their delivery log, add, remove, replay.

``/admin/webhooks`` lists the subscriptions with delivered / waiting / dead counts; ``?log=NAME``
shows a subscription's attempts (supplier by name, times in Asia/Shanghai). Adding one shows
its signing secret once. Controllers only translate: the permission check, the transaction
and the audit entry are in :mod:`portal.webhooks`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import anyio
import httpx
from litestar import Request, Router, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from portal.audit.log import AuditLog
from portal.bootstrap import Collaborators
from portal.domain.principal import Role
from portal.erp import ProfileError, ProfileNotFoundError, profiles_of
from portal.feed import EventType
from portal.identity.idempotency import purge_expired_keys
from portal.web.auth.runtime import page
from portal.web.context import audit_context
from portal.web.deps import ServicesDep
from portal.web.i18n import add_messages, language_of
from portal.web.security import principal_of, requires
from portal.web.site import Contribution
from portal.webhooks import (
    SubscriptionNotFoundError,
    WebhookInputError,
    WebhookWorker,
    add_subscription,
    delivery_log,
    list_subscriptions,
    remove_subscription,
    replay_dead,
    set_profile,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
log = logging.getLogger(__name__)

MESSAGES = {
    "wh.title": {"zh": "Webhook 订阅", "en": "Webhooks"},
    "wh.help": {
        "zh": "ERP 订阅供应商主数据变更；每次投递均签名，按供应商顺序发送，失败按退避重试。",
        "en": "ERPs subscribe to supplier master-data changes; each delivery is signed, sent "
        "in order per supplier and retried with backoff.",
    },
    "wh.name": {"zh": "名称", "en": "Name"},
    "wh.url": {"zh": "接收地址", "en": "URL"},
    "wh.types": {"zh": "事件类型", "en": "Event types"},
    "wh.all_types": {"zh": "全部事件", "en": "All events"},
    "wh.types_help": {"zh": "不勾选即订阅全部事件", "en": "None ticked: every event"},
    "wh.delivered": {"zh": "已送达", "en": "Delivered"},
    "wh.pending": {"zh": "待发送", "en": "Waiting"},
    "wh.dead": {"zh": "死信", "en": "Dead letters"},
    "wh.log": {"zh": "投递记录", "en": "Delivery log"},
    "wh.replay": {"zh": "重新发送死信", "en": "Replay dead letters"},
    "wh.remove": {"zh": "停止订阅", "en": "Remove"},
    "wh.add": {"zh": "新增订阅", "en": "Add a subscription"},
    "wh.add_button": {"zh": "新增", "en": "Add"},
    "wh.none": {"zh": "尚无订阅。", "en": "No subscriptions yet."},
    "wh.secret_title": {"zh": "签名密钥（仅显示一次）", "en": "Signing secret (shown once)"},
    "wh.secret_help": {
        "zh": "请将此密钥配置到 ERP 的接收端，用于校验签名。"
        "门户只保存加密后的密钥，之后无法再次查看。",
        "en": "Put this secret in the ERP's receiver to verify signatures. The portal keeps "
        "it encrypted and cannot show it again.",
    },
    "wh.back": {"zh": "返回 Webhook 订阅", "en": "Back to webhooks"},
    "wh.event": {"zh": "事件", "en": "Event"},
    "wh.supplier": {"zh": "供应商", "en": "Supplier"},
    "wh.state": {"zh": "状态", "en": "State"},
    "wh.attempt": {"zh": "第几次", "en": "Attempt"},
    "wh.at": {"zh": "时间（北京时间）", "en": "Time (Beijing)"},
    "wh.answer": {"zh": "结果", "en": "Answer"},
    "wh.not_tried": {"zh": "等待前序事件", "en": "waiting for earlier events"},
    "wh.no_log": {"zh": "尚无投递。", "en": "No deliveries yet."},
    "wh.refused": {"zh": "未能完成", "en": "Not done"},
    "wh.s.pending": {"zh": "待发送", "en": "waiting"},
    "wh.s.delivered": {"zh": "已送达", "en": "delivered"},
    "wh.s.dead": {"zh": "死信", "en": "dead"},
    "wh.o.delivered": {"zh": "已送达", "en": "delivered"},
    "wh.o.retry": {"zh": "将重试", "en": "will retry"},
    "wh.o.dead": {"zh": "转为死信", "en": "dead-lettered"},
    "wh.profile": {"zh": "ERP 字段映射", "en": "ERP field mapping"},
    "wh.profile_none": {"zh": "不映射（变更流原始 JSON）", "en": "None (the feed's own JSON)"},
    "wh.profile_save": {"zh": "保存映射", "en": "Save mapping"},
    "wh.profile_broken": {
        "zh": "ERP 映射文件有误，修正前无法选择映射：",
        "en": "An ERP mapping file is broken; fix it to choose a mapping: ",
    },
    **{
        f"wh.t.{t.value}": {"zh": zh, "en": en}
        for t, zh, en in (
            (EventType.CREATED, "新建供应商", "supplier created"),
            (EventType.CHANGED, "资料变更", "supplier changed"),
            (EventType.MERGED, "合并", "suppliers merged"),
            (EventType.BLOCKED, "冻结", "supplier blocked"),
            (EventType.ARCHIVED, "归档", "supplier archived"),
            (EventType.SNAPSHOT, "存量快照", "snapshot of an existing supplier"),
        )
    },
}

ADMIN_ONLY = [requires(Role.ADMIN)]
BACK = "/admin/webhooks"


def _shown(at: datetime | None) -> str:
    if at is None:
        return "—"
    return f"{(at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(SHANGHAI):%Y-%m-%d %H:%M:%S}"


def _screen(
    request: Request[Any, Any, Any],
    services: Any,
    *,
    log_name: str | None,
    error: str | None = None,
    status_code: int = 200,
) -> Template:
    me = principal_of(request)
    subs = list_subscriptions(services.engine, me)
    lines = delivery_log(services.engine, me, log_name) if log_name else []
    profiles, broken = _profiles(services, request)
    return page(
        request, "admin/webhooks.html", status_code=status_code, subs=subs, log_name=log_name,
        lines=lines, shown=_shown, types=[t.value for t in EventType], error=error,
        profiles=profiles, broken=broken,
    )  # fmt: skip


def _profiles(services: Any, request: Request[Any, Any, Any]) -> tuple[dict[str, str], str]:
    """The ERP profiles by name with their titles, or the reason a file cannot be read."""
    try:
        found = profiles_of(services.settings.data_dir)
    except ProfileError as exc:
        zh = language_of(request) == "zh"
        return {}, exc.message_zh if zh else str(exc)
    return {name: p.title for name, p in sorted(found.items())}, ""


@get("/", guards=ADMIN_ONLY, sync_to_thread=True)
def webhooks_page(
    request: Request[Any, Any, Any], services: ServicesDep, log: FromQuery[str | None] = None
) -> Template:
    """Subscriptions and, with ``?log=NAME``, one subscription's delivery log."""
    try:
        return _screen(request, services, log_name=log)
    except SubscriptionNotFoundError as exc:
        return _screen(request, services, log_name=None, error=exc.message_zh + " / " + str(exc),
                       status_code=404)  # fmt: skip


@post("/", guards=ADMIN_ONLY)
async def add(request: Request[Any, Any, Any], services: ServicesDep) -> Template:
    """Add a subscription and show its secret once (or the form again with the reason)."""
    form = await request.form()
    types = [str(t) for t in form.getall("event_types")] if "event_types" in form else []
    me, ctx = principal_of(request), audit_context(request)

    def run() -> Any:
        return add_subscription(
            services.engine, services.sealer, AuditLog(services.sealer), ctx, me,
            name=str(form.get("name") or ""), url=str(form.get("url") or ""),
            event_types=types, now=datetime.now(UTC),
        )  # fmt: skip

    try:
        sub, secret = await anyio.to_thread.run_sync(run)
    except WebhookInputError as exc:
        message = f"{exc.message_zh} / {exc}"
        return await anyio.to_thread.run_sync(
            lambda: _screen(request, services, log_name=None, error=message, status_code=422)
        )
    response = page(request, "admin/webhook_secret.html", sub=sub, secret=secret)
    response.headers["cache-control"] = "no-store"
    return response


def _act(request: Request[Any, Any, Any], services: Any, name: str, replay: bool) -> Any:
    me, ctx, now = principal_of(request), audit_context(request), datetime.now(UTC)
    audit = AuditLog(services.sealer)
    try:
        if replay:
            replay_dead(services.engine, audit, ctx, me, name, now=now)
        else:
            remove_subscription(services.engine, audit, ctx, me, name, now=now)
    except SubscriptionNotFoundError as exc:
        return _screen(request, services, log_name=None, error=f"{exc.message_zh} / {exc}",
                       status_code=404)  # fmt: skip
    return Redirect(path=BACK + (f"?log={name}" if replay else ""), status_code=303)


@post("/{name:str}/replay", guards=ADMIN_ONLY, sync_to_thread=True)
def replay(request: Request[Any, Any, Any], services: ServicesDep, name: FromPath[str]) -> Any:
    """Send the subscription's dead letters again."""
    return _act(request, services, name, replay=True)


@post("/{name:str}/profile", guards=ADMIN_ONLY)
async def choose_profile(
    request: Request[Any, Any, Any], services: ServicesDep, name: FromPath[str]
) -> Any:
    """Shape the subscription's deliveries with an ERP profile (empty: the feed's JSON)."""
    form = await request.form()
    chosen = str(form.get("profile") or "") or None
    me, ctx = principal_of(request), audit_context(request)

    def run() -> Any:
        try:
            set_profile(
                services.engine, AuditLog(services.sealer), ctx, me, name, chosen,
                profiles=profiles_of(services.settings.data_dir), now=datetime.now(UTC),
            )  # fmt: skip
        except (SubscriptionNotFoundError, ProfileNotFoundError, ProfileError) as exc:
            status = 422 if isinstance(exc, ProfileError) else 404
            return _screen(request, services, log_name=None, error=f"{exc.message_zh} / {exc}",
                           status_code=status)  # fmt: skip
        return Redirect(path=BACK, status_code=303)

    return await anyio.to_thread.run_sync(run)


@post("/{name:str}/remove", guards=ADMIN_ONLY, sync_to_thread=True)
def remove(request: Request[Any, Any, Any], services: ServicesDep, name: FromPath[str]) -> Any:
    """Stop the subscription."""
    return _act(request, services, name, replay=False)


class DeliveryTask:
    """Runs the delivery worker every ``interval`` seconds while the app runs (several app
    instances may: each delivery is claimed by one of them), and deletes expired
    Idempotency-Key answers."""

    def __init__(self, services: Any, interval: float) -> None:
        self.services = services
        self.interval = interval
        self.task: asyncio.Task[None] | None = None
        self.http: httpx.Client | None = None

    async def _loop(self, worker: WebhookWorker) -> None:
        while True:
            try:
                await asyncio.to_thread(worker.run_once)
                # the API's kept Idempotency-Key answers go when their retention ends
                await asyncio.to_thread(
                    purge_expired_keys, self.services.engine, now=datetime.now(UTC)
                )
            except Exception:  # keep the loop alive; each delivery keeps its last error
                log.exception("webhook delivery run failed; will retry")
            await asyncio.sleep(self.interval)

    async def start(self) -> None:
        self.http = httpx.Client(timeout=10.0)
        data_dir = self.services.settings.data_dir
        worker = WebhookWorker(
            self.services.engine, self.services.sealer, self.http,
            profiles=lambda: profiles_of(data_dir),
        )  # fmt: skip
        self.task = asyncio.create_task(self._loop(worker))

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
        if self.http is not None:
            self.http.close()


def area(collaborators: Collaborators) -> Contribution:
    """The admin screen's routes (no schema: these are pages, not API), and the delivery
    worker every ``PORTAL_OUTBOX_INTERVAL_SECONDS`` (0: off, e.g. when ``portal webhooks
    deliver --loop`` runs elsewhere)."""
    add_messages(MESSAGES)
    router = Router(
        path=BACK,
        route_handlers=[webhooks_page, add, replay, remove, choose_profile],
        include_in_schema=False,
    )
    interval = collaborators.settings.outbox.interval_seconds
    if interval <= 0:
        return Contribution(route_handlers=[router])
    task = DeliveryTask(collaborators.services, interval)
    return Contribution(route_handlers=[router], on_startup=[task.start], on_shutdown=[task.stop])
