"""From what someone wants ("this account, with these values") to a field-level diff.

A :class:`Proposal` names one entity of a supplier (an existing bank account, contact,
the invoicing profile, the supplier itself, or a new account or contact) and the values
wanted. :func:`diff` validates and normalises every value with the validators of
:mod:`portal.domain` and keeps only the fields that really change, as
:class:`approvals.FieldChange` values with plaintext ``before``/``after`` (the change
records seal the sensitive ones). Format errors refuse the proposal; a holder name that
differs from the registered name is carried as a warning finding for the reviewer.

Which fields an entity has, which a request may touch and which are sensitive comes
from the one field catalogue, :mod:`portal.domain.fields`. A proposal speaks for one
supplier only: an account or contact id of another supplier, or a supplier or invoicing
profile id that is not this supplier's, is :class:`UnknownEntityError`.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from approvals.model import ChangeKind, Entity, FieldChange
from approvals.risk import normalise_company_name
from portal.domain import (
    amounts,
    bank_account,
    cnaps,
    fields,
    foreign_tax,
    names,
    phone,
    text,
    uscc,
)
from portal.domain.errors import DomainValidationError
from portal.domain.findings import Finding, Severity, finding
from portal.domain.supplier import Supplier

__all__ = [
    "EDITABLE",
    "OPEN_ENDED",
    "REMOVED",
    "RETIRED",
    "SENSITIVE",
    "InvalidProposalError",
    "Proposal",
    "UnknownEntityError",
    "capital_text",
    "change_kind",
    "current_values",
    "diff",
    "is_sensitive",
    "kind_for",
    "supplier_values",
]

#: Fields a change request may touch, per entity (from the field catalogue).
EDITABLE: Mapping[str, tuple[str, ...]] = {e: fields.editable(e) for e in Entity}
#: (entity, field) of the values sealed at rest (from the field catalogue).
SENSITIVE: frozenset[tuple[str, str]] = fields.sensitive()
#: Pseudo-fields for retiring an account and removing a contact ("false" -> "true").
RETIRED = "retired"
REMOVED = "removed"
#: ``term_to`` of a business term without end (营业期限 长期).
OPEN_ENDED = "长期"
_SUPPLIER_DATES = frozenset({"established_on", "term_from", "term_to"})
_LONG_TEXT = {"business_scope": 4000, "address": 500}
_REQUIRED_ON_ADD: Mapping[str, tuple[str, ...]] = {
    e: fields.required_on_add(e) for e in (Entity.BANK_ACCOUNT, Entity.CONTACT)
}
#: Entities a supplier has exactly one of; their id in a proposal is the supplier's id.
_SINGLE = (Entity.SUPPLIER, Entity.INVOICING_PROFILE)
_BLOCKING = frozenset(
    {
        "bank_account.invalid",
        "cnaps.invalid",
        "phone.invalid",
        "email.invalid",
        "required.missing",
        "input.rejected",
        "value.invalid",
        "uscc.invalid_checksum",
        "uscc.invalid_length",
        "uscc.invalid_format",
        "uscc.unknown_region",
        "foreign_tax_id.invalid",
        "identity.both",
    }
)


class InvalidProposalError(ValueError):
    """The proposed values do not validate, or change nothing; ``findings`` say why."""

    def __init__(
        self, message: str, findings: Sequence[Finding] = (), *, message_zh: str | None = None
    ) -> None:
        super().__init__(message)
        self.findings = list(findings)
        self.message_zh = message_zh or message


class UnknownEntityError(InvalidProposalError, LookupError):
    """The proposal names an account or contact that is not this supplier's (404)."""


@dataclass(frozen=True)
class Proposal:
    """The wanted values of one entity; ``entity_id`` None adds a bank account or contact."""

    entity: Entity
    entity_id: str | None = None
    values: Mapping[str, str | None] = field(default_factory=dict)
    remove: bool = False


def is_sensitive(entity: str, field_name: str) -> bool:
    return (entity, field_name) in SENSITIVE


def kind_for(proposal: Proposal) -> ChangeKind:
    """The change kind a single proposal amounts to."""
    adding = proposal.entity_id is None
    if proposal.entity is Entity.BANK_ACCOUNT:
        if proposal.remove:
            return ChangeKind.BANK_ACCOUNT_RETIRE
        return ChangeKind.BANK_ACCOUNT_ADD if adding else ChangeKind.BANK_ACCOUNT_CHANGE
    if proposal.entity is Entity.CONTACT:
        if proposal.remove:
            return ChangeKind.CONTACT_REMOVE
        return ChangeKind.CONTACT_ADD if adding else ChangeKind.CONTACT_CHANGE
    if proposal.entity is Entity.INVOICING_PROFILE:
        return ChangeKind.INVOICING_PROFILE
    return ChangeKind.SUPPLIER_PROFILE


def change_kind(proposals: Sequence[Proposal]) -> ChangeKind:
    """The kind of a request made of ``proposals``: a bank change wins over the rest."""
    kinds = [kind_for(p) for p in proposals]
    bank = [k for k in kinds if k.value.startswith("bank_account")]
    return bank[0] if bank else kinds[0]


def capital_text(amount: Decimal, currency: str) -> str:
    """A registered capital as a change request carries it.

    >>> capital_text(Decimal("1000000.00"), "CNY")
    '1000000 CNY'
    """
    plain = format(amount.normalize(), "f")
    return f"{plain} {currency}"


def supplier_values(supplier: Supplier) -> dict[str, str | None]:
    """The supplier's own (licence) fields as text: ISO dates, ``长期``, ``<amount> <CUR>``."""
    capital = supplier.registered_capital
    term_to = supplier.term_to.isoformat() if supplier.term_to else None
    if term_to is None and supplier.term_from is not None:
        term_to = OPEN_ENDED
    special: dict[str, str | None] = {
        "registered_capital": capital_text(capital.amount, capital.currency) if capital else None,
        "established_on": _iso(supplier.established_on),
        "term_from": _iso(supplier.term_from),
        "term_to": term_to,
        "foreign_tax_id": supplier.foreign_tax_id.key if supplier.foreign_tax_id else None,
    }
    return {
        name: special[name] if name in special else getattr(supplier, name)
        for name in EDITABLE[Entity.SUPPLIER]
    }


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def current_values(supplier: Supplier, entity: str, entity_id: str) -> dict[str, str | None]:
    """The stored values of one entity of ``supplier``; unknown ids are input errors."""
    if entity == Entity.SUPPLIER:
        return supplier_values(supplier)
    if entity == Entity.BANK_ACCOUNT:
        for a in supplier.bank_accounts:
            if a.id == entity_id:
                return _values_of(a, entity) | {RETIRED: _flag(a.retired)}
    if entity == Entity.CONTACT:
        for c in supplier.contacts:
            if c.id == entity_id:
                return _values_of(c, entity) | {REMOVED: "false"}
    if entity == Entity.INVOICING_PROFILE:
        return _values_of(supplier.invoicing_profile, entity)
    raise UnknownEntityError(
        f"{entity} {entity_id} is not part of this supplier's record",
        [finding("input.rejected", entity, detail=f"unknown {entity} {entity_id}")],
    )


def _values_of(row: object | None, entity: str) -> dict[str, str | None]:
    """The editable values of one row (all None when there is no row yet)."""
    return {name: getattr(row, name) if row is not None else None for name in EDITABLE[entity]}


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _normalise(entity: str, name: str, value: str | None, found: list[Finding]) -> str | None:
    if value is None or not value.strip():
        return None
    key = f"{entity}.{name}"
    try:
        if name == "account_number":
            return bank_account.validate(value)
        if name == "cnaps_code":
            return cnaps.validate(value)
        if name == "phone":
            return phone.validate(value)
        if name == "tax_number":
            return uscc.validate(value)
        if name == "foreign_tax_id":
            return foreign_tax.parse(value).key
        if entity == Entity.SUPPLIER and name in _SUPPLIER_DATES | {"registered_capital"}:
            return _licence_value(name, value.strip())
        cleaned = text.clean(value.strip(), key, max_length=_LONG_TEXT.get(name, 200))
        if name == "email" and ("@" not in cleaned or "." not in cleaned.rsplit("@", 1)[-1]):
            found.append(finding("email.invalid", key, detail=cleaned))
            return None
        if name in ("holder_name", "title") or (entity == Entity.SUPPLIER and name == "name"):
            return names.normalise(cleaned)
        return cleaned
    except DomainValidationError as exc:
        found.append(finding(exc.code, key, detail=str(exc)))
        return None


def _licence_value(name: str, value: str) -> str:
    """A date (ISO, or 长期 for ``term_to``) or a capital in its canonical text.

    >>> _licence_value("term_to", "长期"), _licence_value("term_from", "2019年3月5日")
    ('长期', '2019-03-05')
    >>> _licence_value("registered_capital", "壹佰万元整")
    '1000000 CNY'
    """
    if name == "registered_capital":
        figures = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([A-Z]{3})", value)
        if figures:
            return capital_text(Decimal(figures.group(1)), figures.group(2))
        money = amounts.parse_capital(value)
        return capital_text(money.amount, money.currency)
    if name == "term_to" and amounts.is_open_ended(value):
        return OPEN_ENDED
    return amounts.parse_date(value).isoformat()


def _proposal_changes(
    supplier: Supplier, proposal: Proposal, found: list[Finding]
) -> list[FieldChange]:
    entity = str(proposal.entity)
    allowed = EDITABLE.get(entity, ())
    if proposal.entity in _SINGLE and proposal.entity_id not in (None, supplier.id):
        raise UnknownEntityError(
            f"{entity} {proposal.entity_id} is not part of this supplier's record",
            [finding("input.rejected", entity, detail=f"unknown {entity} {proposal.entity_id}")],
        )
    unknown = sorted(set(proposal.values) - set(allowed))
    if unknown:
        found.append(finding("input.rejected", entity, detail=f"cannot change {unknown[0]}"))
        return []
    if proposal.entity_id is None:
        if proposal.entity not in (Entity.BANK_ACCOUNT, Entity.CONTACT):
            raise InvalidProposalError(f"a {entity} cannot be added, only changed")
        entity_id, before = str(uuid.uuid4()), dict.fromkeys(allowed)
    else:
        entity_id = proposal.entity_id
        before = current_values(supplier, entity, entity_id)
    if proposal.remove:
        flag = RETIRED if proposal.entity is Entity.BANK_ACCOUNT else REMOVED
        if flag not in before or proposal.entity_id is None:
            raise InvalidProposalError(f"a {entity} cannot be removed")
        if before[flag] == "true":
            return []
        return [FieldChange(entity, entity_id, flag, "false", "true")]
    wanted = {
        name: _normalise(entity, name, value, found) for name, value in proposal.values.items()
    }
    if entity == Entity.SUPPLIER and "foreign_tax_id" in wanted:
        _one_identity(supplier, wanted["foreign_tax_id"], found)
    named = "name" in wanted and wanted["name"] is None
    if (
        entity == Entity.SUPPLIER
        and named
        and not any(f.field_name == f"{entity}.name" for f in found)
    ):
        found.append(finding("required.missing", f"{entity}.name", detail="name"))
    if proposal.entity_id is None:
        for name in _REQUIRED_ON_ADD.get(entity, ()):
            if wanted.get(name) is None and not any(
                f.field_name == f"{entity}.{name}" for f in found
            ):
                found.append(finding("required.missing", f"{entity}.{name}", detail=name))
    return [
        FieldChange(
            entity, entity_id, name, before.get(name), after, sensitive=is_sensitive(entity, name)
        )
        for name, after in wanted.items()
        if after != before.get(name) and name in allowed
    ]


def _one_identity(supplier: Supplier, foreign_key: str | None, found: list[Finding]) -> None:
    """A supplier keeps exactly one identity: a foreign tax number only replaces another."""
    key = f"{Entity.SUPPLIER}.foreign_tax_id"
    if supplier.uscc is not None:
        detail = "a supplier with a credit code has no foreign tax number"
        zh = "有统一社会信用代码的供应商不设境外税号"
        found.append(finding("identity.both", key, detail=detail, detail_zh=zh))
    elif foreign_key is None and not any(f.field_name == key for f in found):
        found.append(finding("required.missing", key, detail="foreign tax number"))


def _holder_findings(supplier: Supplier, changes: Sequence[FieldChange]) -> list[Finding]:
    registered = normalise_company_name(supplier.name)
    return [
        finding(
            "bank_account.holder_mismatch",
            change.key,
            detail=f"{change.after} ≠ {names.normalise(supplier.name)}",
            severity=Severity.WARNING,
        )
        for change in changes
        if change.entity == Entity.BANK_ACCOUNT
        and change.field_name == "holder_name"
        and change.after is not None
        and normalise_company_name(change.after) != registered
    ]


def diff(
    supplier: Supplier, proposals: Sequence[Proposal]
) -> tuple[tuple[FieldChange, ...], list[Finding]]:
    """The field changes the proposals amount to, and the findings about them.

    Raises :class:`InvalidProposalError` when a value does not validate or nothing
    would change.
    """
    found: list[Finding] = []
    changes: list[FieldChange] = []
    for proposal in proposals:
        changes += _proposal_changes(supplier, proposal, found)
    blocking = [f for f in found if f.code in _BLOCKING]
    if blocking:
        raise InvalidProposalError(
            "some values are not valid: " + "; ".join(f.message_en for f in blocking),
            blocking,
            message_zh="部分取值无效：" + "；".join(f.message_zh for f in blocking),
        )
    if not changes:
        raise InvalidProposalError(
            "nothing would change: the proposed values are the ones on file",
            [finding("input.rejected", None, detail="no field changes")],
        )
    found += _holder_findings(supplier, changes)
    return tuple(changes), found
