"""The supplier's fields are declared once; every list of them is derived from that."""

from __future__ import annotations

import dataclasses

from approvals.proposals import EDITABLE, SENSITIVE
from portal.domain import fields
from portal.domain.supplier import BankAccount, Contact, InvoicingProfile, Supplier
from portal.domain.supplier_input import FIELDS
from portal.importing.headers import SYNONYMS, canonical_header

#: Attributes of the records that are not fields a person fills in.
NOT_FIELDS = {
    "supplier": {"id", "version", "validated", "unreadable", "legacy_tax_number",
                 "bank_accounts", "contacts", "invoicing_profile"},
    "bank_account": {"id", "is_default", "retired"},
    "contact": {"id"},
    "invoicing_profile": set(),
}  # fmt: skip
RECORDS = {
    "supplier": Supplier,
    "bank_account": BankAccount,
    "contact": Contact,
    "invoicing_profile": InvoicingProfile,
}


def test_every_field_of_the_supplier_record_is_declared_in_the_catalogue() -> None:
    for entity, record in RECORDS.items():
        attributes = {f.name for f in dataclasses.fields(record)} - NOT_FIELDS[entity]
        declared = {f.name for f in fields.fields_of(entity)}
        assert attributes == declared, entity


def test_the_change_diff_and_the_import_read_their_lists_from_the_catalogue() -> None:
    assert {e: set(names) for e, names in EDITABLE.items()} == {
        e: {f.name for f in fields.fields_of(e) if f.editable} for e in fields.ENTITIES
    }
    assert {(f.entity, f.name) for f in fields.CATALOGUE if f.sensitive} == SENSITIVE
    assert tuple(f.import_key for f in fields.CATALOGUE if f.import_key) == FIELDS
    assert set(SYNONYMS) == set(FIELDS)


def test_every_header_synonym_names_exactly_one_field() -> None:
    synonyms = [s for f in fields.CATALOGUE for s in f.headers]
    assert len(synonyms) == len(set(synonyms))
    assert canonical_header("开户行全称") == fields.spec("bank_account", "bank_name").import_key


def test_only_sensitive_values_can_be_revealed_and_every_sensitive_value_is_masked() -> None:
    assert fields.revealable() <= fields.sensitive()
    assert ("bank_account", "holder_name") not in fields.sensitive()
