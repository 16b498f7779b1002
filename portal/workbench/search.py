"""What a staff member typed into the search box, turned into SQL conditions.

One box finds a supplier by name (a substring of the name or of its normalised core),
by credit code (exact, or a part of it), by bank account number or by phone. Account
numbers and phones are stored sealed: they are found through their blind indexes, so
only an exact number matches, never a part of one.

>>> looks_like_number("6222 0212 3456 7891 234"), looks_like_number("上海甲")
('6222021234567891234', None)
>>> looks_like_code("91310115ma1h7gxx4a"), looks_like_code("1h7g"), looks_like_code("甲乙")
('91310115MA1H7GXX4A', '1H7G', None)
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, or_, select

from portal.db.sealing import Sealer
from portal.db.supplier_store import BANK, CONTACT, INVOICING, SUPPLIER
from portal.domain import foreign_tax, names

_SEPARATORS = re.compile(r"[\s\-]+")
_CODE = re.compile(r"[0-9A-Z]{4,18}")
_NUMBER = re.compile(r"\+?[0-9]{6,32}")


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_")


def looks_like_number(text: str) -> str | None:
    """The digits of an account number or phone, if that is what was typed."""
    compact = _SEPARATORS.sub("", text)
    if not _NUMBER.fullmatch(compact):
        return None
    return compact.removeprefix("+86") if compact.startswith("+86") else compact


def looks_like_code(text: str) -> str | None:
    """A credit code, or a part of one (upper-cased), if that is what was typed."""
    compact = _SEPARATORS.sub("", text).upper()
    return compact if _CODE.fullmatch(compact) else None


def _owners(column: Any, owner: Any, indexes: list[str]) -> Select[Any]:
    return select(owner).where(column.in_(indexes))


def matching(text: str, sealer: Sealer, conn: Connection | None = None) -> ColumnElement[bool]:
    """A condition on the supplier table for everything ``text`` may mean.

    With ``conn``, the owners of an account number or phone are looked up first (three
    indexed probes), so the condition carries their ids rather than three subqueries.
    """
    typed = text.strip()
    number = looks_like_number(typed)
    found: list[ColumnElement[bool]] = []
    if number is None:  # six digits and more are a number, never part of a company name
        found.append(SUPPLIER.c.name.like("%" + _escape(typed) + "%", escape="\\"))
        core = names.core(typed)
        if core and core != typed:
            found.append(SUPPLIER.c.name_core.like("%" + _escape(core) + "%", escape="\\"))
    if foreign_tax.is_valid(typed):  # a foreign supplier's VAT number (DE136695976, ...)
        found.append(SUPPLIER.c.foreign_tax_id == foreign_tax.parse(typed).key)
    code = looks_like_code(typed)
    if code is not None:
        found.append(
            SUPPLIER.c.uscc == code
            if len(code) == 18
            else SUPPLIER.c.uscc.like("%" + _escape(code) + "%", escape="\\")
        )
    if number is not None:
        accounts = sealer.candidates("bank_account", number)
        phones = sealer.candidates("phone", number)
        owners = [
            _owners(BANK.c.account_number_bidx, BANK.c.supplier_id, accounts),
            _owners(INVOICING.c.account_number_bidx, INVOICING.c.supplier_id, accounts),
            _owners(CONTACT.c.phone_bidx, CONTACT.c.supplier_id, phones),
        ]
        if conn is None:
            found += [SUPPLIER.c.id.in_(query) for query in owners]
        else:
            ids = {sid for query in owners for sid in conn.execute(query).scalars()}
            found.append(SUPPLIER.c.id.in_(sorted(ids)))
    return or_(*found)


#: At most this many suppliers stand for one search in lists of other things (requests,
#: pairs, audit entries): the ids are found first, then looked up through their indexes.
MATCHING_CAP = 500


def matching_ids(conn: Connection, text: str, sealer: Sealer) -> list[str]:
    """Ids of the suppliers ``text`` finds (at most :data:`MATCHING_CAP`)."""
    query = select(SUPPLIER.c.id).where(matching(text, sealer, conn)).limit(MATCHING_CAP)
    return list(conn.execute(query).scalars())
