"""Reading and writing suppliers, with their accounts, contacts and invoicing profile.

Writes are built as plain row dictionaries and sent with ``executemany`` so a
batch of a thousand imported suppliers costs a handful of round trips, not
one ORM flush per row. Sensitive values are sealed here and nowhere else.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Connection, Row, Select, and_, bindparam, or_, select
from uuid_utils import uuid7

from portal.db import name_search
from portal.db.bulk import insert_rows
from portal.db.engine import UNPREPARED
from portal.db.keyed import ByKeys, member_of
from portal.db.name_search import FTS
from portal.db.sealing import Sealer
from portal.db.tables import BankAccountRow, ContactRow, InvoicingProfileRow, SupplierRow, table_of
from portal.domain import foreign_tax, names
from portal.domain.supplier import (
    BankAccount,
    Contact,
    InvoicingProfile,
    LifecycleState,
    Money,
    RegistryStatus,
    Supplier,
    TaxpayerQualification,
    TaxStatus,
)

SUPPLIER = table_of(SupplierRow)
BANK = table_of(BankAccountRow)
CONTACT = table_of(ContactRow)
INVOICING = table_of(InvoicingProfileRow)


# Built once: the finance API reads suppliers by the thousand, and building a statement
# costs more than SQLite takes to answer it.
_BY_USCC = select(SUPPLIER).where(SUPPLIER.c.uscc == bindparam("uscc"))
_BY_FOREIGN = select(SUPPLIER).where(SUPPLIER.c.foreign_tax_id == bindparam("key"))
_ACCOUNTS_OF = ByKeys(
    lambda among: (
        select(BANK).where(among(BANK.c.supplier_id)).order_by(BANK.c.created_at, BANK.c.id)
    )
)
_CONTACTS_OF = ByKeys(
    lambda among: select(CONTACT).where(among(CONTACT.c.supplier_id)).order_by(CONTACT.c.id)
)
_INVOICING_OF = ByKeys(lambda among: select(INVOICING).where(among(INVOICING.c.supplier_id)))


def new_id() -> str:
    """A fresh row id: a UUIDv7, so new rows go to the end of the primary-key index."""
    return str(uuid7())


@dataclass
class RowBatch:
    """Rows for several suppliers, ready for executemany."""

    suppliers: list[dict[str, Any]] = field(default_factory=list)
    bank_accounts: list[dict[str, Any]] = field(default_factory=list)
    contacts: list[dict[str, Any]] = field(default_factory=list)
    invoicing: list[dict[str, Any]] = field(default_factory=list)
    #: each supplier as :meth:`SupplierStore.get` will read it back once stored (ids,
    #: version and the stored scale of amounts set), for acts that need its state now
    stored: list[Supplier] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.suppliers)


@dataclass(frozen=True)
class SupplierFilter:
    """What the finance API may search by."""

    uscc: str | None = None
    name_contains: str | None = None
    lifecycle_state: str | None = None
    validated_only: bool = False


class SupplierStore:
    """Maps :class:`Supplier` values to rows and back; callers own the transaction."""

    def __init__(self, sealer: Sealer) -> None:
        self.sealer = sealer

    def for_batch(self) -> SupplierStore:
        """This store with a sealer that computes each blind index once for one batch
        (:meth:`Sealer.remembering`): screening and storing the batch share them."""
        batch = copy.copy(self)
        batch.sealer = self.sealer.remembering()
        return batch

    # -- writing ----------------------------------------------------------------

    def add_to_batch(self, batch: RowBatch, supplier: Supplier, now: datetime) -> str:
        """Append the rows of a new supplier to ``batch`` and return its id."""
        capital = supplier.registered_capital  # stored as given: the column rounds it
        supplier = _as_stored(supplier)
        sid = supplier.id or ""
        seal, index = self.sealer.seal_cell, self.sealer.index
        batch.stored.append(supplier)
        batch.suppliers.append(
            {
                "id": sid,
                "uscc": supplier.uscc,
                "org_code": supplier.uscc[8:17] if supplier.uscc else None,
                "foreign_tax_id": supplier.foreign_tax_id.key if supplier.foreign_tax_id else None,
                "legacy_tax_number": supplier.legacy_tax_number,
                "name": supplier.name,
                "name_core": names.core(supplier.name),
                "aliases": json.dumps(list(supplier.aliases), ensure_ascii=False),
                "entity_type": supplier.entity_type,
                "legal_representative": supplier.legal_representative,
                "legal_rep_id_number_enc": seal(
                    "supplier", "legal_rep_id_number", sid, supplier.legal_rep_id_number
                ),
                "legal_rep_id_number_bidx": index("id_number", supplier.legal_rep_id_number),
                "registered_capital_amount": capital.amount if capital else None,
                "registered_capital_currency": capital.currency if capital else None,
                "established_on": supplier.established_on,
                "term_from": supplier.term_from,
                "term_to": supplier.term_to,
                "address": supplier.address,
                "business_scope": supplier.business_scope,
                "registration_authority": supplier.registration_authority,
                "registry_status": supplier.registry_status.value,
                "taxpayer_qualification": supplier.taxpayer_qualification.value,
                "tax_status": supplier.tax_status.value,
                "lifecycle_state": supplier.lifecycle_state.value,
                "validated": supplier.validated,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
        )
        for account in supplier.bank_accounts:
            batch.bank_accounts.append(self.bank_account_row(sid, account, now))
        for contact in supplier.contacts:
            batch.contacts.append(self.contact_row(sid, contact))
        if supplier.invoicing_profile is not None:
            batch.invoicing.append(self.invoicing_row(sid, supplier.invoicing_profile))
        return sid

    def bank_account_row(self, sid: str, account: BankAccount, now: datetime) -> dict[str, Any]:
        """Row for one bank account, account number sealed."""
        aid = account.id or new_id()
        return {
            "id": aid,
            "supplier_id": sid,
            "bank_name": account.bank_name,
            "cnaps_code": account.cnaps_code,
            "account_number_enc": self.sealer.seal_cell(
                "bank_account", "account_number", aid, account.account_number
            ),
            "account_number_bidx": self.sealer.index("bank_account", account.account_number),
            "holder_name": account.holder_name,
            "currency": account.currency,
            "purpose": account.purpose,
            "department": account.department,
            "is_default": account.is_default,
            "retired": account.retired,
            "created_at": now,
        }

    def contact_row(self, sid: str, contact: Contact) -> dict[str, Any]:
        """Row for one contact, phone sealed."""
        cid = contact.id or new_id()
        return {
            "id": cid,
            "supplier_id": sid,
            "name": contact.name,
            "role": contact.role,
            "phone_enc": self.sealer.seal_cell("contact", "phone", cid, contact.phone),
            "phone_bidx": self.sealer.index("phone", contact.phone),
            "email": contact.email,
        }

    def invoicing_row(self, sid: str, profile: InvoicingProfile) -> dict[str, Any]:
        """Row for the invoicing profile, phone and account sealed."""
        pid = new_id()
        return {
            "id": pid,
            "supplier_id": sid,
            "title": profile.title,
            "tax_number": profile.tax_number,
            "address": profile.address,
            "phone_enc": self.sealer.seal_cell("invoicing_profile", "phone", pid, profile.phone),
            "bank_name": profile.bank_name,
            "account_number_enc": self.sealer.seal_cell(
                "invoicing_profile", "account_number", pid, profile.account_number
            ),
            "account_number_bidx": self.sealer.index("bank_account", profile.account_number),
        }

    @staticmethod
    def insert_batch(conn: Connection, batch: RowBatch) -> None:
        """Insert every row of the batch (caller's transaction)."""
        insert_rows(conn, SUPPLIER, batch.suppliers)
        insert_rows(conn, BANK, batch.bank_accounts)
        insert_rows(conn, CONTACT, batch.contacts)
        insert_rows(conn, INVOICING, batch.invoicing)

    # -- probes -----------------------------------------------------------------

    @staticmethod
    def existing_usccs(conn: Connection, usccs: Iterable[str]) -> dict[str, str]:
        """Which of these credit codes are already stored: uscc -> supplier id."""
        return _supplier_map(conn, SUPPLIER.c.uscc, SUPPLIER.c.id, usccs)

    @staticmethod
    def existing_foreign_ids(conn: Connection, keys: Iterable[str]) -> dict[str, str]:
        """Which of these foreign tax ids (``ForeignTaxId.key``) are stored: key -> id."""
        return _supplier_map(conn, SUPPLIER.c.foreign_tax_id, SUPPLIER.c.id, keys)

    @staticmethod
    def names_of(conn: Connection, ids: Iterable[str]) -> dict[str, str]:
        """Supplier id -> registered name, for words that name a supplier."""
        return _supplier_map(conn, SUPPLIER.c.id, SUPPLIER.c.name, ids)

    @staticmethod
    def owners_by_org_code(conn: Connection, org_codes: Iterable[str]) -> dict[str, str]:
        """Suppliers whose credit code embeds one of these organisation codes."""
        return _supplier_map(conn, SUPPLIER.c.org_code, SUPPLIER.c.id, org_codes)

    @staticmethod
    def bank_account_owners(conn: Connection, indexes: Iterable[str]) -> dict[str, set[str]]:
        """Blind index -> ids of suppliers that have an account with it."""
        wanted = list(set(indexes))
        owners: dict[str, set[str]] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            rows = conn.execute(
                select(BANK.c.account_number_bidx, BANK.c.supplier_id).where(
                    BANK.c.account_number_bidx.in_(chunk), BANK.c.retired.is_(False)
                )
            )
            for r in rows:
                owners.setdefault(r.account_number_bidx, set()).add(r.supplier_id)
        return owners

    # -- reading ----------------------------------------------------------------

    def get(self, conn: Connection, supplier_id: str) -> Supplier | None:
        """Load one supplier with everything attached, decrypted."""
        row = conn.execute(select(SUPPLIER).where(SUPPLIER.c.id == supplier_id)).first()
        return self._load_many(conn, [row])[0] if row else None

    def get_many(self, conn: Connection, supplier_ids: Sequence[str]) -> dict[str, Supplier]:
        """Load several suppliers by id in four queries (the ones that exist)."""
        if not supplier_ids:
            return {}
        rows = conn.execute(select(SUPPLIER).where(SUPPLIER.c.id.in_(list(supplier_ids)))).all()
        return {s.id: s for s in self._load_many(conn, rows) if s.id is not None}

    def get_by_uscc(self, conn: Connection, uscc: str) -> Supplier | None:
        """Load one supplier by credit code."""
        row = conn.execute(_BY_USCC, {"uscc": uscc}).first()
        return self._load_many(conn, [row])[0] if row else None

    def get_by_number(self, conn: Connection, number: str) -> Supplier | None:
        """Load one supplier by credit code or foreign tax id key, as
        :func:`portal.domain.foreign_tax.supplier_number` gives them."""
        if ":" not in number:
            return self.get_by_uscc(conn, number)
        row = conn.execute(_BY_FOREIGN, {"key": number}).first()
        return self._load_many(conn, [row])[0] if row else None

    def page(
        self, conn: Connection, flt: SupplierFilter, *, after: tuple[str, str] | None, limit: int
    ) -> list[Supplier]:
        """Suppliers ordered by (name, id), starting after the cursor."""
        query: Select[Any] = select(SUPPLIER)
        if flt.uscc:
            query = query.where(SUPPLIER.c.uscc == flt.uscc)
        if flt.name_contains:
            fragment = flt.name_contains
            if name_search.uses_index(conn, fragment):
                pattern = f"%{fragment}%"
                found = select(FTS.c.supplier_id).where(FTS.c.name.like(pattern))
                query = query.where(SUPPLIER.c.id.in_(found), SUPPLIER.c.name.like(pattern))
            else:  # PostgreSQL's trigram index serves this LIKE itself (see name_search)
                pattern = "%" + fragment.replace("%", r"\%").replace("_", r"\_") + "%"
                query = query.where(SUPPLIER.c.name.like(pattern, escape="\\"))
                # planned for this pattern each time: a generic plan cannot use the index
                query = query.execution_options(**UNPREPARED)
        if flt.lifecycle_state:
            query = query.where(SUPPLIER.c.lifecycle_state == flt.lifecycle_state)
        if flt.validated_only:
            query = query.where(SUPPLIER.c.validated.is_(True))
        if after:
            name, sid = after
            query = query.where(
                or_(SUPPLIER.c.name > name, and_(SUPPLIER.c.name == name, SUPPLIER.c.id > sid))
            )
        rows = conn.execute(query.order_by(SUPPLIER.c.name, SUPPLIER.c.id).limit(limit)).all()
        return self._load_many(conn, rows)

    def _load_many(self, conn: Connection, rows: Sequence[Row[Any]]) -> list[Supplier]:
        ids = [r.id for r in rows]
        if not ids:
            return []
        accounts: dict[str, list[Row[Any]]] = {}
        for r in conn.execute(_ACCOUNTS_OF.on(conn), {"ids": ids}):
            accounts.setdefault(r.supplier_id, []).append(r)
        contacts: dict[str, list[Row[Any]]] = {}
        for r in conn.execute(_CONTACTS_OF.on(conn), {"ids": ids}):
            contacts.setdefault(r.supplier_id, []).append(r)
        invoicing = {r.supplier_id: r for r in conn.execute(_INVOICING_OF.on(conn), {"ids": ids})}
        return [
            self._to_domain(r, accounts.get(r.id, []), contacts.get(r.id, []), invoicing.get(r.id))
            for r in rows
        ]

    def _to_domain(
        self,
        row: Row[Any],
        accounts: list[Row[Any]],
        contacts: list[Row[Any]],
        invoicing: Row[Any] | None,
    ) -> Supplier:
        unreadable: dict[str, str] = {}

        def opened(
            path: str, table: str, column: str, row_id: str, token: str | None
        ) -> str | None:
            result = self.sealer.open(table, column, row_id, token)
            if result.error:
                unreadable[path] = result.error
            return result.value

        bank_accounts = tuple(
            BankAccount(
                id=a.id,
                bank_name=a.bank_name,
                cnaps_code=a.cnaps_code,
                account_number=opened(
                    f"bank_accounts[{i}].account_number",
                    "bank_account",
                    "account_number",
                    a.id,
                    a.account_number_enc,
                )
                or "",
                holder_name=a.holder_name,
                currency=a.currency,
                purpose=a.purpose,
                department=a.department,
                is_default=a.is_default,
                retired=a.retired,
            )
            for i, a in enumerate(accounts)
        )
        contact_values = tuple(
            Contact(
                id=c.id,
                name=c.name,
                role=c.role,
                email=c.email,
                phone=opened(f"contacts[{i}].phone", "contact", "phone", c.id, c.phone_enc),
            )
            for i, c in enumerate(contacts)
        )
        profile = None
        if invoicing is not None:
            profile = InvoicingProfile(
                title=invoicing.title,
                tax_number=invoicing.tax_number,
                address=invoicing.address,
                phone=opened(
                    "invoicing_profile.phone",
                    "invoicing_profile",
                    "phone",
                    invoicing.id,
                    invoicing.phone_enc,
                ),
                bank_name=invoicing.bank_name,
                account_number=opened(
                    "invoicing_profile.account_number",
                    "invoicing_profile",
                    "account_number",
                    invoicing.id,
                    invoicing.account_number_enc,
                ),
            )
        capital = (
            Money(row.registered_capital_amount, row.registered_capital_currency or "CNY")
            if row.registered_capital_amount is not None
            else None
        )
        return Supplier(
            id=row.id,
            uscc=row.uscc,
            name=row.name,
            aliases=tuple(json.loads(row.aliases)),
            entity_type=row.entity_type,
            legal_representative=row.legal_representative,
            legal_rep_id_number=opened(
                "legal_rep_id_number",
                "supplier",
                "legal_rep_id_number",
                row.id,
                row.legal_rep_id_number_enc,
            ),
            registered_capital=capital,
            established_on=row.established_on,
            term_from=row.term_from,
            term_to=row.term_to,
            address=row.address,
            business_scope=row.business_scope,
            registration_authority=row.registration_authority,
            registry_status=RegistryStatus(row.registry_status),
            taxpayer_qualification=TaxpayerQualification(row.taxpayer_qualification),
            tax_status=TaxStatus(row.tax_status),
            lifecycle_state=LifecycleState(row.lifecycle_state),
            legacy_tax_number=row.legacy_tax_number,
            foreign_tax_id=foreign_tax.from_key(row.foreign_tax_id) if row.foreign_tax_id else None,
            bank_accounts=bank_accounts,
            contacts=contact_values,
            invoicing_profile=profile,
            version=row.version,
            validated=row.validated,
            unreadable=unreadable,
        )


_CENTS = Decimal("0.01")


def _as_stored(supplier: Supplier) -> Supplier:
    """A new supplier with the ids and values its rows will hold (amounts at the
    column's two decimals, as both databases return them)."""
    capital = supplier.registered_capital
    return replace(
        supplier,
        id=supplier.id or new_id(),
        version=1,
        registered_capital=replace(capital, amount=capital.amount.quantize(_CENTS, ROUND_HALF_UP))
        if capital is not None
        else None,
        bank_accounts=tuple(replace(a, id=a.id or new_id()) for a in supplier.bank_accounts),
        contacts=tuple(replace(c, id=c.id or new_id()) for c in supplier.contacts),
        unreadable={},
    )


def _supplier_map(
    conn: Connection, key: Any, value: Any, wanted: Iterable[str], chunk: int = 500
) -> dict[str, str]:
    """``key`` -> ``value`` of the supplier rows whose ``key`` is one of ``wanted`` (asked in
    chunks, so a long list never exceeds the database's parameter limit)."""
    keys = list(set(wanted))
    found: dict[str, str] = {}
    for start in range(0, len(keys), chunk):
        query = select(key, value).where(member_of(conn, key, keys[start : start + chunk]))
        found.update({row[0]: row[1] for row in conn.execute(query)})
    return found
