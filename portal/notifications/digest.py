"""The daily digest: people who chose it get one message a day instead of one per event.

:func:`portal.notifications.recipients.notify` holds their messages as ``digest:<channel>``
rows due at the next digest time (08:00 Beijing time); :func:`send_digests` (run by the
reminder pass of the worker) merges each person's due rows into one message on that channel
and marks the merged rows as sent, with a delivery-log line naming the digest.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, insert, select, update

from portal.notifications.outbox import ATTEMPT, DIGEST_PREFIX, OUTBOX, enqueue

__all__ = ["DIGEST_AT", "next_digest", "send_digests"]

SHOWN_IN = ZoneInfo("Asia/Shanghai")
#: when the day's digest goes out (Beijing time)
DIGEST_AT = time(8, 0)


def next_digest(now: datetime) -> datetime:
    """The next 08:00 in Beijing after ``now``."""
    local = now.astimezone(SHOWN_IN)
    at = datetime.combine(local.date(), DIGEST_AT, SHOWN_IN)
    return at if at > local else at + timedelta(days=1)


def send_digests(conn: Connection, *, now: datetime) -> list[str]:
    """Merge the due held messages of each (channel, person) into one; the new ids."""
    rows = conn.execute(
        select(OUTBOX)
        .where(
            OUTBOX.c.channel.like(f"{DIGEST_PREFIX}%"),
            OUTBOX.c.sent_at.is_(None),
            OUTBOX.c.next_attempt_at <= now,
        )
        .order_by(OUTBOX.c.created_at)
    ).all()
    groups: dict[tuple[str, str], list[object]] = defaultdict(list)
    for row in rows:
        groups[(row.channel.removeprefix(DIGEST_PREFIX), row.recipient)].append(row)
    made = []
    for (channel, recipient), held in groups.items():
        parts = [f"■ {r.subject}\n{r.body}".strip() for r in held]  # type: ignore[attr-defined]
        subject = f"每日消息汇总（{len(held)} 条）/ Daily digest ({len(held)})"
        digest_id = enqueue(
            conn, channel, recipient, subject, "\n\n".join(parts) + "\n", now=now,
            event="digest", recipient_name=held[0].recipient_name,  # type: ignore[attr-defined]
        )  # fmt: skip
        for r in held:
            conn.execute(update(OUTBOX).where(OUTBOX.c.id == r.id).values(sent_at=now))  # type: ignore[attr-defined]
            conn.execute(
                insert(ATTEMPT).values(
                    id=str(uuid.uuid4()), message_id=r.id, at=now, channel=r.channel,  # type: ignore[attr-defined]
                    outcome="merged", answer=f"in digest {digest_id}",
                )
            )  # fmt: skip
        made.append(digest_id)
    return made
