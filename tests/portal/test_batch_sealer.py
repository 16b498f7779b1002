"""A batch's sealer stores and finds values under the indexes the plain sealer gives."""

from __future__ import annotations

from sqlalchemy import Engine

from crypto import Keyring
from crypto.model import Purpose
from portal.db.keystore import SqlDataKeyStore
from portal.db.supplier_store import SupplierStore

VALUES = (("bank_account", "6222021234567890123"), ("phone", "13812345678"))


def test_a_batch_indexes_each_value_as_the_plain_sealer_does(store: SupplierStore):
    batch = store.for_batch().sealer
    for kind, value in VALUES:
        probed = batch.candidates(kind, value)
        assert probed == store.sealer.candidates(kind, value)
        assert batch.index(kind, value) == store.sealer.index(kind, value)
    assert batch.index("phone", None) is None


def test_during_a_key_rotation_a_batch_stores_under_the_new_key_and_probes_under_both(
    engine: Engine, keyring: Keyring, store: SupplierStore
):
    old = store.sealer.index("phone", "13812345678")
    keyring.add_version(SqlDataKeyStore(engine), Purpose.BLIND_INDEX)
    batch = store.for_batch().sealer
    probed = batch.candidates("phone", "13812345678")
    assert probed[1:] == [old]
    assert batch.index("phone", "13812345678") == probed[0] != old
