"""Known-answer self-tests."""

from __future__ import annotations

from dataclasses import replace

import pytest
from cryptography.exceptions import UnsupportedAlgorithm

from crypto import Algorithm, SelfTestError, run_self_test
from crypto.selftest import default_vectors


def test_published_vectors_pass(algorithm: Algorithm) -> None:
    run_self_test(algorithm)


def test_a_vector_for_each_algorithm_is_included() -> None:
    names = [v.name for v in default_vectors()]
    assert any("RFC 8998" in n for n in names)
    assert any("NIST GCM" in n for n in names)


@pytest.mark.parametrize("field_name", ["ciphertext", "tag", "plaintext", "aad", "nonce", "key"])
def test_a_corrupted_vector_fails_the_self_test(algorithm: Algorithm, field_name: str) -> None:
    vectors = list(default_vectors())
    index = next(i for i, v in enumerate(vectors) if v.algorithm is algorithm)
    original = getattr(vectors[index], field_name)
    corrupted = ("1" if original[:1] != "1" else "2") + original[1:] if original else "00"
    vectors[index] = replace(vectors[index], **{field_name: corrupted})
    with pytest.raises(SelfTestError, match=vectors[index].name.split(" (")[0]):
        run_self_test(algorithm, vectors)


def test_no_vector_for_the_algorithm_fails_closed() -> None:
    aes_only = [v for v in default_vectors() if v.algorithm is Algorithm.AES_256_GCM]
    with pytest.raises(SelfTestError, match="no known-answer vector for SM4GCM"):
        run_self_test(Algorithm.SM4_GCM, aes_only)


def test_backend_without_sm4_fails_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    import crypto._aead as aead

    def no_sm4(key: bytes) -> object:
        raise UnsupportedAlgorithm("SM4 is not supported by this backend")

    monkeypatch.setattr(aead.algorithms, "SM4", no_sm4)
    with pytest.raises(SelfTestError, match="does not provide SM4GCM"):
        run_self_test(Algorithm.SM4_GCM)
