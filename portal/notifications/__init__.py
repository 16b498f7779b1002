"""Messages that reach people: composed per event in the reader's language, queued in the
outbox, sent by a worker, logged per attempt.

- :mod:`~portal.notifications.recipients`: audiences (``role:<role>``) resolved to people at
  send time; nobody to tell is an ``undeliverable`` row, never a silent drop;
- :mod:`~portal.notifications.content`: the Jinja templates per event (zh, en);
- :mod:`~portal.notifications.messages`: who is told about a change request; the group robot;
- :mod:`~portal.notifications.outbox`: the outbox rows, claimed by a conditional UPDATE;
- :mod:`~portal.notifications.personal`: WeCom and DingTalk personal work notifications;
- :mod:`~portal.notifications.reminders`: reminders, escalation, licence expiry;
- :mod:`~portal.notifications.digest`: the daily digest;
- :mod:`~portal.notifications.admin`: the delivery log, resend, undeliverable messages;
- :mod:`~portal.notifications.preferences`: the language of a supplier contact's messages.
"""

__all__ = [
    "admin",
    "content",
    "digest",
    "messages",
    "outbox",
    "personal",
    "preferences",
    "recipients",
    "reminders",
]
