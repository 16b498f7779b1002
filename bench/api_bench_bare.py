"""The bare side of ``bench/api_bench.py``: the finance API's reads with nothing else.

A Litestar app with two routes answering the same URLs as the real API with the same reads:
supplier row(s), accounts, contacts, invoicing profile, payment-hold row, open bank changes,
account versions; values decrypted with ``cryptography``'s ``AESGCM`` directly (the cell
format of :mod:`crypto.field`), masked, encoded with msgspec. The token check is a digest
comparison with the one token in memory (what a cache hit costs). Same engine settings as
the real server (:func:`portal.db.engine.make_engine`); run by uvicorn, one worker:

    BENCH_TOKEN_SHA256=... PORTAL_DATABASE_URL=... PORTAL_KEK_FILE=... \\
        uvicorn bench.api_bench_bare:app
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from litestar import Litestar, Request, Response, get
from litestar.exceptions import NotAuthorizedException, NotFoundException
from sqlalchemy import Connection, Engine, bindparam, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crypto import Keyring, Purpose, mask_bank_account, mask_id_number, mask_phone
from crypto.adapters.local import LocalKeyProvider
from portal.db.engine import UNPREPARED, make_engine
from portal.db.keystore import SqlDataKeyStore

_IDS = bindparam("ids", expanding=True)
_ACCOUNTS = text(
    "SELECT * FROM bank_account WHERE supplier_id IN :ids ORDER BY created_at, id"
).bindparams(_IDS)
_CONTACTS = text("SELECT * FROM contact WHERE supplier_id IN :ids ORDER BY id").bindparams(_IDS)
_INVOICING = text("SELECT * FROM invoicing_profile WHERE supplier_id IN :ids").bindparams(_IDS)
_HOLDS = text(
    "SELECT supplier_id, last_bank_change_applied_at FROM payment_hold WHERE supplier_id IN :ids"
).bindparams(_IDS)
_OPEN_BANK = text(
    "SELECT DISTINCT supplier_id FROM change_request WHERE supplier_id IN :ids"
    " AND status IN ('pending', 'partially_approved', 'approved') AND touches_bank"
).bindparams(_IDS)
_VERSIONS = text("SELECT * FROM account_version WHERE bank_account_id IN :aids").bindparams(
    bindparam("aids", expanding=True)
)
_BY_USCC = text("SELECT * FROM supplier WHERE uscc = :uscc")
COOLING_OFF = timedelta(hours=48)


class Bare:
    def __init__(self, engine: Engine, keyring: Keyring, token_sha256: str) -> None:
        self.engine = engine
        key = keyring.current(Purpose.FIELD)
        self.aead = AESGCM(key.secret)
        self.aad_prefix = f"sp-field|v1:{key.meta.algorithm.value}:{key.meta.version}|".encode()
        self.token_sha256 = token_sha256
        self.search = self._search_statement()

    def _search_statement(self) -> Any:
        """The same index the real server may use, if the schema has it."""
        order = " ORDER BY name, id LIMIT :limit"
        with self.engine.connect() as conn:
            if self.engine.dialect.name == "sqlite":
                fts = conn.execute(
                    text("SELECT 1 FROM sqlite_master WHERE name = 'supplier_name_fts'")
                ).first()
                if fts:
                    return text(
                        "SELECT * FROM supplier WHERE id IN (SELECT supplier_id FROM"
                        " supplier_name_fts WHERE name LIKE :p) AND name LIKE :p ESCAPE '\\'"
                        + order
                    )
        # planned for each pattern, as the real search is (a generic plan misses the index)
        return text(
            "SELECT * FROM supplier WHERE name LIKE :p ESCAPE '\\'" + order
        ).execution_options(**UNPREPARED)

    def check(self, request: Request[Any, Any, Any]) -> None:
        header = request.headers.get("authorization", "")
        digest = hashlib.sha256(header.removeprefix("Bearer ").encode()).hexdigest()
        if digest != self.token_sha256:
            raise NotAuthorizedException("no valid token")

    def open(self, table: str, column: str, row_id: str, cell: bytes | None) -> str | None:
        if cell is None:
            return None
        aad = self.aad_prefix + f"{len(table)}:{table}{len(column)}:{column}{row_id}".encode()
        return self.aead.decrypt(cell[6:18], cell[18:], aad).decode()

    def views(self, conn: Connection, rows: list[Any]) -> list[dict[str, Any]]:
        ids = [r.id for r in rows]
        if not ids:
            return []
        accounts: dict[str, list[Any]] = {}
        for a in conn.execute(_ACCOUNTS, {"ids": ids}):
            accounts.setdefault(a.supplier_id, []).append(a)
        contacts: dict[str, list[Any]] = {}
        for c in conn.execute(_CONTACTS, {"ids": ids}):
            contacts.setdefault(c.supplier_id, []).append(c)
        invoicing = {p.supplier_id: p for p in conn.execute(_INVOICING, {"ids": ids})}
        holds = dict(conn.execute(_HOLDS, {"ids": ids}).all())
        open_bank = set(conn.execute(_OPEN_BANK, {"ids": ids}).scalars())
        aids = [a.id for group in accounts.values() for a in group]
        versions: dict[str, Any] = {}
        if aids:
            for v in conn.execute(_VERSIONS, {"aids": aids}):
                if (
                    v.bank_account_id not in versions
                    or v.number > versions[v.bank_account_id].number
                ):
                    versions[v.bank_account_id] = v
        now = datetime.now(UTC)
        return [
            self.view(r, accounts.get(r.id, []), contacts.get(r.id, []), invoicing.get(r.id),
                      holds.get(r.id), r.id in open_bank, versions, now)
            for r in rows
        ]  # fmt: skip

    def view(
        self, r: Any, accounts: list[Any], contacts: list[Any], profile: Any, last_change: Any,
        open_bank: bool, versions: dict[str, Any], now: datetime,
    ) -> dict[str, Any]:  # fmt: skip
        hold: dict[str, Any] = {"on_hold": False, "reason": None, "until": None}
        if r.lifecycle_state == "blocked":
            hold = {"on_hold": True, "reason": "supplier.blocked", "until": None}
        elif open_bank:
            hold = {"on_hold": True, "reason": "bank_change.pending", "until": None}
        elif last_change is not None:
            if last_change.tzinfo is None:
                last_change = last_change.replace(tzinfo=UTC)
            if now < last_change + COOLING_OFF:
                until = (last_change + COOLING_OFF).isoformat()
                hold = {"on_hold": True, "reason": "bank_change.cooling_off", "until": until}
        rep_id = self.open("supplier", "legal_rep_id_number", r.id, r.legal_rep_id_number_enc)
        return {
            "id": r.id, "uscc": r.uscc, "foreign_tax_id": r.foreign_tax_id, "name": r.name,
            "aliases": json.loads(r.aliases),
            "entity_type": r.entity_type, "legal_representative": r.legal_representative,
            "legal_rep_id_number": _mask(rep_id, mask_id_number),
            "registered_capital": None if r.registered_capital_amount is None else {
                "amount": str(r.registered_capital_amount),
                "currency": r.registered_capital_currency},
            "established_on": _iso(r.established_on), "term_from": _iso(r.term_from),
            "term_to": _iso(r.term_to),
            "open_ended_term": r.term_from is not None and r.term_to is None,
            "address": r.address, "registration_authority": r.registration_authority,
            "registry_status": r.registry_status,
            "taxpayer_qualification": r.taxpayer_qualification, "tax_status": r.tax_status,
            "lifecycle_state": r.lifecycle_state, "validated": bool(r.validated),
            "version": r.version,
            "bank_accounts": [self.account(a, versions.get(a.id), now) for a in accounts],
            "invoicing_profile": None if profile is None else {
                "title": profile.title, "tax_number": profile.tax_number,
                "address": profile.address, "bank_name": profile.bank_name,
                "phone": _mask(self.open("invoicing_profile", "phone", profile.id,
                                         profile.phone_enc), mask_phone),
                "account_number": _mask(self.open("invoicing_profile", "account_number",
                                                  profile.id, profile.account_number_enc),
                                        mask_bank_account),
            },
            "contacts": [
                {"id": c.id, "name": c.name, "role": c.role, "email": c.email,
                 "phone": _mask(self.open("contact", "phone", c.id, c.phone_enc), mask_phone)}
                for c in contacts
            ],
            "unreadable_fields": {},
            "payment_hold": hold,
        }  # fmt: skip

    def account(self, a: Any, version: Any, now: datetime) -> dict[str, Any]:
        number = self.open("bank_account", "account_number", a.id, a.account_number_enc)
        found: dict[str, Any] = {"version_id": None, "version_state": "unversioned",
                                 "valid_from": None, "approvers": []}  # fmt: skip
        if version is not None:
            found = {"version_id": version.id, "version_state": "proposed",
                     "valid_from": _iso(version.cooling_until),
                     "approvers": json.loads(version.approvers)}  # fmt: skip
        return {
            "id": a.id, "bank_name": a.bank_name, "cnaps_code": a.cnaps_code,
            "account_number": _mask(number, mask_bank_account), "holder_name": a.holder_name,
            "currency": a.currency, "purpose": a.purpose, "department": a.department,
            "is_default": bool(a.is_default), "retired": bool(a.retired), **found,
            "attestation": None,  # signed only for a revealed active version; none is seeded
        }  # fmt: skip


def _mask(value: str | None, mask: Any) -> str | None:
    return mask(value) if value else value


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _build() -> Litestar:
    engine = make_engine(os.environ["PORTAL_DATABASE_URL"])
    keyring = Keyring.load(
        SqlDataKeyStore(engine), LocalKeyProvider.from_file(Path(os.environ["PORTAL_KEK_FILE"]))
    )
    bare = Bare(engine, keyring, os.environ["BENCH_TOKEN_SHA256"])
    encode = msgspec.json.Encoder().encode

    @get("/api/v1/suppliers/{uscc:str}", sync_to_thread=True)
    def by_uscc(request: Request[Any, Any, Any], uscc: str) -> Response[bytes]:
        bare.check(request)
        with engine.connect() as conn:
            row = conn.execute(_BY_USCC, {"uscc": uscc}).first()
            if row is None:
                raise NotFoundException("no supplier")
            body = encode(bare.views(conn, [row])[0])
        return Response(body, media_type="application/json")

    @get("/api/v1/suppliers/", sync_to_thread=True)
    def search(request: Request[Any, Any, Any], q: str, limit: int = 50) -> Response[bytes]:
        bare.check(request)
        pattern = "%" + q.replace("%", r"\%").replace("_", r"\_") + "%"
        with engine.connect() as conn:
            rows = conn.execute(bare.search, {"p": pattern, "limit": limit + 1}).all()
            items = bare.views(conn, rows[:limit])
        more = len(rows) > limit
        body = encode({"items": items, "next_cursor": "more" if more else None})
        return Response(body, media_type="application/json")

    return Litestar([by_uscc, search], logging_config=None)


app = _build()
