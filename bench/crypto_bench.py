"""Throughput of the crypto package next to the bare `cryptography` primitives.

    .venv/bin/python bench/crypto_bench.py --n 100000 --mb 50

Field rows: one op = encrypt + decrypt of a 19-digit bank account through
FieldCipher (binary tokens, as the sealed master-data columns store them, and
text tokens, as audit entries and change records embed them), versus the same
AEAD call pair on the bare primitive with a fresh 96-bit nonce and an AAD of
the same length (the least any correct caller does).
Document rows: DocumentVault store and open of a streamed file on the filesystem.
"""

from __future__ import annotations

import argparse
import io
import os
import tempfile
import time
from collections.abc import Callable

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from crypto import Algorithm, Keyring
from crypto.adapters.filesystem import FilesystemBlobStorage
from crypto.fakes import InMemoryDataKeyStore, InMemoryKeyProvider

VALUE = "6222021234567891234"
ROUNDS = 7
ROW = "1f0c3a52-7d"
AAD = b"x" * len(f"sp-field|v1:A256GCM:1|8:supplier12:bank_account11:{ROW}")


def _ops_per_second(step: Callable[[], None], n: int) -> float:
    for _ in range(min(n, 1000)):  # warm up
        step()
    start = time.perf_counter()
    for _ in range(n):
        step()
    return n / (time.perf_counter() - start)


def _ours(algorithm: Algorithm) -> Callable[[], None]:
    cipher = Keyring.initialise(
        InMemoryDataKeyStore(), InMemoryKeyProvider(), algorithm
    ).field_cipher()

    def step() -> None:
        token = cipher.encrypt(VALUE, table="supplier", column="bank_account", row_id=ROW)
        if cipher.decrypt(token, table="supplier", column="bank_account", row_id=ROW) != VALUE:
            raise AssertionError("round trip failed")

    return step


def _ours_binary(algorithm: Algorithm) -> Callable[[], None]:
    cipher = Keyring.initialise(
        InMemoryDataKeyStore(), InMemoryKeyProvider(), algorithm
    ).field_cipher()

    def step() -> None:
        token = cipher.encrypt_bytes(VALUE, table="supplier", column="bank_account", row_id=ROW)
        if (
            cipher.decrypt_bytes(token, table="supplier", column="bank_account", row_id=ROW)
            != VALUE
        ):
            raise AssertionError("round trip failed")

    return step


def _bare(algorithm: Algorithm) -> Callable[[], None]:
    data = VALUE.encode()
    if algorithm is Algorithm.AES_256_GCM:
        aead = AESGCM(os.urandom(32))

        def aes_step() -> None:
            nonce = os.urandom(12)
            aead.decrypt(nonce, aead.encrypt(nonce, data, AAD), AAD)

        return aes_step
    sm4 = algorithms.SM4(os.urandom(16))

    def sm4_step() -> None:
        nonce = os.urandom(12)
        enc = Cipher(sm4, modes.GCM(nonce)).encryptor()
        enc.authenticate_additional_data(AAD)
        body = enc.update(data) + enc.finalize()
        dec = Cipher(sm4, modes.GCM(nonce, enc.tag)).decryptor()
        dec.authenticate_additional_data(AAD)
        dec.update(body)
        dec.finalize()

    return sm4_step


class _Source(io.RawIOBase):
    def __init__(self, size: int) -> None:
        self._left = size
        self._block = os.urandom(1 << 20)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        n = min(len(buffer), self._left, len(self._block))
        buffer[:n] = self._block[:n]
        self._left -= n
        return n


def _documents(algorithm: Algorithm, megabytes: int) -> tuple[float, float]:
    size = megabytes * 1024 * 1024
    keyring = Keyring.initialise(InMemoryDataKeyStore(), InMemoryKeyProvider(), algorithm)
    with tempfile.TemporaryDirectory() as root:
        vault = keyring.document_vault(FilesystemBlobStorage(root))
        start = time.perf_counter()
        stored = vault.store("bench", io.BufferedReader(_Source(size)))  # type: ignore[arg-type]
        store_s = time.perf_counter() - start
        start = time.perf_counter()
        total = sum(len(chunk) for chunk in vault.open("bench", stored))
        open_s = time.perf_counter() - start
    if total != size:
        raise AssertionError("document round trip lost bytes")
    return megabytes / store_s, megabytes / open_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="field round trips per row")
    parser.add_argument("--mb", type=int, default=50, help="document size in MB")
    args = parser.parse_args()

    print(f"field encrypt+decrypt, {len(VALUE)}-byte value, n={args.n} in {ROUNDS} rounds, best")
    print(
        f"{'algorithm':<10} {'token':<7} {'FieldCipher ops/s':>18} {'bare ops/s':>12} "
        f"{'ratio':>7}  goal>=0.5"
    )
    for algorithm in Algorithm:
        # Interleaved rounds, best of each (as timeit advises): a busy neighbour or a
        # frequency change then slows all sides alike instead of one of them.
        steps = {"binary": _ours_binary(algorithm), "text": _ours(algorithm)}
        bare_step = _bare(algorithm)
        rates: dict[str, list[float]] = {"binary": [], "text": [], "bare": []}
        for _ in range(ROUNDS):
            for form, step in steps.items():
                rates[form].append(_ops_per_second(step, args.n // ROUNDS))
            rates["bare"].append(_ops_per_second(bare_step, args.n // ROUNDS))
        bare = max(rates["bare"])
        for form in steps:
            ours = max(rates[form])
            ratio = ours / bare
            verdict = "ok" if ratio >= 0.5 else "BELOW GOAL"
            print(
                f"{algorithm.value:<10} {form:<7} {ours:>18,.0f} {bare:>12,.0f} "
                f"{ratio:>7.2f}  {verdict}"
            )

    print(f"\nDocumentVault, {args.mb} MB stream, filesystem blob storage")
    print(f"{'algorithm':<10} {'store MB/s':>12} {'open MB/s':>12}")
    for algorithm in Algorithm:
        store_rate, open_rate = _documents(algorithm, args.mb)
        print(f"{algorithm.value:<10} {store_rate:>12,.0f} {open_rate:>12,.0f}")


if __name__ == "__main__":
    main()
