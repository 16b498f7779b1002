"""Messages that leave the portal: composed, queued in the outbox, sent by a worker.

- :mod:`~portal.notifications.messages`: who is told about a change request, and how;
- :mod:`~portal.notifications.outbox`: the outbox rows, claimed by a conditional UPDATE;
- :mod:`~portal.notifications.senders`: the channels that can be sent (SMTP, group robot).
"""

__all__ = ["messages", "outbox", "senders"]
