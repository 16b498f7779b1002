"""Risk flags: reasons for a reviewer to look harder at a change request. Pure functions.

Each check returns a :class:`~approvals.model.RiskFlag` or ``None``; :func:`assess_risk`
runs them all. The caller supplies everything that needs a database (the registered
company name, who else uses an account's blind index, recent request times).

>>> from datetime import datetime, timezone
>>> flag = holder_mismatch("上海某某贸易有限公司", "上海某某科技有限公司")
>>> flag.code, flag.evidence["holder_name"]
('bank_account.holder_mismatch', '上海某某贸易有限公司')
>>> holder_mismatch("上海 某某（集团）有限公司", "上海某某(集团)有限公司") is None
True

A request that touches several bank accounts is judged account by account
(:func:`accounts_in`, the ``accounts`` argument of :func:`assess_risk`). Names are compared
with the domain's company-name normaliser (:func:`portal.domain.names.normalise`), the
same one the proposal diff and the import use.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from approvals.model import ChangeRequest, Entity, FieldChange, RiskFlag, require_utc
from portal.domain import names

__all__ = [
    "BANK_ACCOUNT_CHANGED",
    "BANK_ACCOUNT_SHARED",
    "CHANGES_FREQUENT",
    "HOLDER_MISMATCH",
    "AccountInRequest",
    "RiskSettings",
    "accounts_in",
    "assess_risk",
    "bank_account_changed",
    "frequent_changes",
    "holder_mismatch",
    "normalise_company_name",
    "shared_account",
]

BANK_ACCOUNT_CHANGED = "bank_account.changed"
HOLDER_MISMATCH = "bank_account.holder_mismatch"
BANK_ACCOUNT_SHARED = "bank_account.shared"
CHANGES_FREQUENT = "changes.frequent"

SuppliersUsing = Collection[str] | Callable[[str], Collection[str]]


@dataclass(frozen=True)
class RiskSettings:
    """More than ``frequent_limit`` requests within ``frequent_window`` is frequent."""

    frequent_limit: int = 3
    frequent_window: timedelta = timedelta(days=30)


def normalise_company_name(name: str) -> str:
    """Fold the ways one company name is written: the domain's canonical spelling
    (NFKC, brackets as on licences), then no whitespace at all, case-folded.

    >>> normalise_company_name(" ＡＢＣ 贸易(上海) 有限公司 ")
    'abc贸易（上海）有限公司'
    """
    return "".join(names.normalise(name).split()).casefold()


@dataclass(frozen=True)
class AccountInRequest:
    """One bank account a request touches: its holder after the change (the new one, or
    the one on file) and the blind index of a new account number, if any."""

    holder_name: str | None
    blind_index: str | None = None


def accounts_in(
    changes: Sequence[FieldChange], holders_on_file: Mapping[str, str]
) -> dict[str, dict[str, str | None]]:
    """Account id -> the new values a request gives it (retiring is not a value).

    ``holders_on_file`` (account id -> holder name) fills in the holder an account
    keeps when the request does not change it.

    >>> change = FieldChange(Entity.BANK_ACCOUNT, "a1", "account_number", None, "6222")
    >>> accounts_in([change], {"a1": "甲公司"})
    {'a1': {'account_number': '6222', 'holder_name': '甲公司'}}
    """
    accounts: dict[str, dict[str, str | None]] = {}
    for c in changes:
        if c.entity == Entity.BANK_ACCOUNT and c.field_name != "retired":
            accounts.setdefault(c.entity_id, {})[c.field_name] = c.after
    for account_id, values in accounts.items():
        if "holder_name" not in values:
            values["holder_name"] = holders_on_file.get(account_id)
    return accounts


def bank_account_changed(request: ChangeRequest) -> RiskFlag | None:
    if not request.touches_bank_details:
        return None
    fields = [c.key for c in request.changes if c.touches_bank_details]
    return RiskFlag(
        code=BANK_ACCOUNT_CHANGED,
        message_en="This request changes where the supplier is paid.",
        message_zh="此申请变更了供应商的收款银行信息。",
        evidence={"kind": str(request.kind), "fields": fields},
    )


def holder_mismatch(holder_name: str, registered_name: str) -> RiskFlag | None:
    """Flag an account holder whose name is not the supplier's registered name."""
    holder, registered = (
        normalise_company_name(holder_name),
        normalise_company_name(registered_name),
    )
    if holder == registered:
        return None
    return RiskFlag(
        code=HOLDER_MISMATCH,
        message_en=(
            f"The account holder ({holder_name}) is not the registered company ({registered_name})."
        ),
        message_zh=f"账户户名（{holder_name}）与工商登记名称（{registered_name}）不一致。",
        evidence={
            "holder_name": holder_name,
            "registered_name": registered_name,
            "holder_normalised": holder,
            "registered_normalised": registered,
        },
    )


def shared_account(
    supplier_id: str, blind_index: str, suppliers_using: SuppliersUsing
) -> RiskFlag | None:
    """Flag an account (by its blind index) already used by another supplier.

    ``suppliers_using`` is the set of supplier ids using that blind index, or a callable
    that looks it up.

    >>> shared_account("s1", "bi-1", {"s1"}) is None
    True
    >>> shared_account("s1", "bi-1", lambda index: {"s1", "s9"}).evidence["other_supplier_ids"]
    ['s9']
    """
    users = suppliers_using(blind_index) if callable(suppliers_using) else suppliers_using
    others = sorted(set(users) - {supplier_id})
    if not others:
        return None
    return RiskFlag(
        code=BANK_ACCOUNT_SHARED,
        message_en=f"This bank account is already used by {len(others)} other supplier(s).",
        message_zh=f"该银行账户已被其他 {len(others)} 家供应商使用。",
        evidence={"blind_index": blind_index, "other_supplier_ids": others},
    )


def frequent_changes(
    recent_request_times: Iterable[datetime],
    now: datetime,
    settings: RiskSettings = RiskSettings(),
) -> RiskFlag | None:
    """Flag a supplier with more than ``settings.frequent_limit`` requests in the window."""
    require_utc(now, "now")
    since = now - settings.frequent_window
    count = sum(1 for t in recent_request_times if since <= require_utc(t, "time") <= now)
    if count <= settings.frequent_limit:
        return None
    days = settings.frequent_window / timedelta(days=1)
    return RiskFlag(
        code=CHANGES_FREQUENT,
        message_en=f"{count} change requests for this supplier in the last {days:g} days.",
        message_zh=f"该供应商近 {days:g} 天内有 {count} 次变更申请。",
        evidence={
            "count": count,
            "limit": settings.frequent_limit,
            "window_hours": settings.frequent_window / timedelta(hours=1),
        },
    )


def assess_risk(
    request: ChangeRequest,
    *,
    now: datetime,
    registered_name: str | None = None,
    holder_name: str | None = None,
    account_blind_index: str | None = None,
    suppliers_using: SuppliersUsing = (),
    recent_request_times: Iterable[datetime] = (),
    settings: RiskSettings = RiskSettings(),
    accounts: Sequence[AccountInRequest] = (),
) -> tuple[RiskFlag, ...]:
    """Every flag that applies to ``request``.

    ``holder_name`` defaults to the new, non-sensitive ``bank_account`` ``holder_name``
    in the request; pass it when that value is encrypted. ``accounts``, when given, are
    every account the request touches: the first stands for ``holder_name`` and
    ``account_blind_index``, each further one adds its own holder and shared-account flags.
    """
    if accounts:
        holder_name, account_blind_index = accounts[0].holder_name, accounts[0].blind_index
    holder = holder_name if holder_name is not None else _new_holder_name(request)
    flags = [
        bank_account_changed(request),
        holder_mismatch(holder, registered_name) if holder and registered_name else None,
        shared_account(request.supplier_id, account_blind_index, suppliers_using)
        if account_blind_index
        else None,
        frequent_changes(recent_request_times, now, settings),
    ]
    for account in accounts[1:]:
        further = [
            holder_mismatch(account.holder_name, registered_name)
            if account.holder_name and registered_name
            else None,
            shared_account(request.supplier_id, account.blind_index, suppliers_using)
            if account.blind_index
            else None,
        ]
        flags += [f for f in further if f is not None and f not in flags]
    return tuple(flag for flag in flags if flag is not None)


def _new_holder_name(request: ChangeRequest) -> str | None:
    for change in request.changes:
        if (
            change.entity == Entity.BANK_ACCOUNT
            and change.field_name == "holder_name"
            and not change.sensitive
        ):
            return change.after
    return None
