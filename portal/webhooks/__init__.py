"""Webhooks: the change feed pushed to the ERPs that subscribe, signed, in order, retried.

:mod:`.subscriptions` (admin use cases: add, list, remove, replay, delivery log),
:mod:`.delivery` (the worker), :mod:`.signing` (HMAC-SHA256 / HMAC-SM3 and its verifier).
"""

from portal.webhooks.delivery import DeliveryReport, WebhookWorker, signature_algorithm
from portal.webhooks.signing import ALGORITHMS, sign, verify
from portal.webhooks.subscriptions import (
    DeliveryLine,
    Subscription,
    SubscriptionNotFoundError,
    WebhookInputError,
    WebhookNotAllowedError,
    add_subscription,
    delivery_log,
    list_subscriptions,
    remove_subscription,
    replay_dead,
    set_profile,
)

__all__ = [
    "ALGORITHMS",
    "DeliveryLine",
    "DeliveryReport",
    "Subscription",
    "SubscriptionNotFoundError",
    "WebhookInputError",
    "WebhookNotAllowedError",
    "WebhookWorker",
    "add_subscription",
    "delivery_log",
    "list_subscriptions",
    "remove_subscription",
    "replay_dead",
    "set_profile",
    "sign",
    "signature_algorithm",
    "verify",
]
