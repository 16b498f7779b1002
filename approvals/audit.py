"""The tamper-evident audit log: a hash chain over audit entries. Pure; no storage.

Every entry carries the hash of the entry before it (``prev_hash``) and its own
``hash = H(prev_hash + "\\n" + canonical_bytes(entry))``, written ``"<algorithm>:<hex>"``
(``sha256`` or ``sm3``), so changing, removing, adding or moving any entry breaks the chain
from that point. The first entry's ``prev_hash`` is :data:`GENESIS`.

The chain has no secret: someone who can rewrite the table can recompute every hash after
the entry they changed. Periodic :class:`Anchor` records (the head's seq and hash, copied
somewhere they cannot reach: another database, a signed e-mail, a timestamping service)
make such a rewrite, and the removal of the newest entries, detectable.

>>> from datetime import datetime, timezone
>>> t = datetime(2024, 5, 1, 8, 30, 0, 123456, tzinfo=timezone.utc)
>>> first = append(None, AuditDraft(id="a1", at=t, actor="u1", action="login.succeeded"))
>>> second = append(first, AuditDraft(id="a2", at=t, actor="u1", action="change.submitted"))
>>> first.seq, first.prev_hash, first.at.microsecond, second.prev_hash == first.hash
(1, 'genesis', 123000, True)
>>> verify_chain([first, second]).ok
True
>>> from dataclasses import replace
>>> [str(p) for p in verify_chain([first, replace(second, actor="u2")]).problems]
['seq 2: modified: entry 2 does not match its hash (its content was changed)']
"""

from __future__ import annotations

import functools
import hashlib
import json
import operator
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from cryptography.hazmat.primitives import hashes

from approvals.errors import InvalidInputError
from approvals.model import require_utc

__all__ = [
    "ADDED_FIELDS",
    "ALGORITHMS",
    "CANONICAL_FIELDS",
    "GENESIS",
    "HASHED_FIELDS",
    "PAYLOAD_VERSION",
    "ROW_FIELDS",
    "Anchor",
    "AuditDraft",
    "AuditEntry",
    "ChainVerifier",
    "Problem",
    "TamperKind",
    "VerifyReport",
    "append",
    "canonical_bytes",
    "canonical_bytes_of",
    "chain_hash",
    "format_at",
    "hasher",
    "verify_chain",
]

GENESIS = "genesis"
#: The hashed payload of new entries; version 1 (before actor names, channels and
#: versions were hashed) is still verified as it was written.
PAYLOAD_VERSION = 2
ALGORITHMS: dict[str, type[hashes.HashAlgorithm]] = {"sha256": hashes.SHA256, "sm3": hashes.SM3}


@dataclass(frozen=True, kw_only=True)
class AuditDraft:
    """What the caller knows about an act; :func:`append` turns it into an entry.

    ``before``/``after`` of sensitive values must already be encrypted tokens.
    """

    id: str
    at: datetime
    actor: str
    action: str
    actor_role: str | None = None
    subject_type: str | None = None
    subject_id: str | None = None
    field_name: str | None = None
    before: str | None = None
    after: str | None = None
    ip: str | None = None
    user_agent: str | None = None
    request_id: str | None = None
    device: str | None = None
    #: the person's name at the time (the actor is their account id, which outlives names)
    actor_name: str | None = None
    #: how the act arrived: ``portal``, ``api:<token name>``, ``import:<file sha256>``,
    #: ``cli:<os user>``, ``system:<job>``
    channel: str | None = None
    #: which fields the hash covers (:data:`HASHED_FIELDS`); old entries stay at 1
    payload_version: int = PAYLOAD_VERSION

    def __post_init__(self) -> None:
        require_utc(self.at, "at")


@dataclass(frozen=True, kw_only=True)
class AuditEntry(AuditDraft):
    seq: int
    prev_hash: str
    hash: str


def _format_at(at: datetime) -> str:
    at = at.astimezone(UTC)
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def format_at(at: datetime) -> str:
    """``at`` as hashed: ``YYYY-MM-DDTHH:MM:SS.mmmZ`` (UTC, milliseconds cut, not rounded).

    >>> format_at(datetime(2024, 5, 1, 8, 30, 0, 123999, tzinfo=UTC))
    '2024-05-01T08:30:00.123Z'
    """
    text = at.isoformat(timespec="milliseconds")
    # the common case (a UTC datetime from the database) without strftime
    return text[:-6] + "Z" if text.endswith("+00:00") and len(text) == 29 else _format_at(at)


#: The fields hashed by payload version 1, in the order their keys sort (the JSON object
#: below is then already sorted). Entries written before names and channels were recorded.
CANONICAL_FIELDS: tuple[str, ...] = (
    "action",
    "actor",
    "actor_role",
    "after",
    "at",
    "before",
    "device",
    "field_name",
    "id",
    "ip",
    "request_id",
    "seq",
    "subject_id",
    "subject_type",
    "user_agent",
)
#: Added by payload version 2 (which hashes its own version, so it cannot be turned back).
ADDED_FIELDS: tuple[str, ...] = ("actor_name", "channel", "payload_version")
#: What a row holds, in this order: the version 1 fields, then the added ones.
ROW_FIELDS: tuple[str, ...] = (*CANONICAL_FIELDS, *ADDED_FIELDS)
#: The hashed fields of each payload version, sorted.
HASHED_FIELDS: dict[int, tuple[str, ...]] = {1: CANONICAL_FIELDS, 2: tuple(sorted(ROW_FIELDS))}
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_ENCODE_TEXT = json.encoder.encode_basestring  # what json.dumps(ensure_ascii=False) uses
# The JSON object with its keys in place; only the values vary from entry to entry.
_TEMPLATE = "{" + ",".join(f'"{name}":%s' for name in CANONICAL_FIELDS) + "}"
_TEMPLATE_V2 = "{" + ",".join(f'"{name}":%s' for name in HASHED_FIELDS[2]) + "}"
_TEMPLATE_BYTES, _TEMPLATE_V2_BYTES = _TEMPLATE.encode(), _TEMPLATE_V2.encode()
# version 2's sorted order taken from a row's values (ROW_FIELDS order)
_V2_ORDER = operator.itemgetter(*(ROW_FIELDS.index(name) for name in HASHED_FIELDS[2]))
_V1 = len(CANONICAL_FIELDS)


def _json_value(value: object) -> str:
    return _ENCODE(value)  # anything but text, null and whole numbers (not hashed today)


def canonical_bytes_of(values: Iterable[object]) -> bytes:
    """:func:`canonical_bytes` of the values of :data:`CANONICAL_FIELDS` (a version 1
    entry) or of :data:`ROW_FIELDS`, in that order, with ``at`` already written by
    :func:`format_at`: the fast path for rows.

    Row values of an entry with ``payload_version`` 1 (or none) and neither ``actor_name``
    nor ``channel`` hash as version 1; anything else hashes as version 2, so a name or a
    channel added to an old entry, or a version turned back, no longer matches its hash.
    The same bytes as ``json.dumps(dict, sort_keys=True, separators=(",", ":"),
    ensure_ascii=False)``, without building a dictionary or copying anything.

    >>> canonical_bytes_of(["a", "u", None, None, "t", None, None, None, "i", None, None, 1,
    ...                     None, None, "新"])[:44]
    b'{"action":"a","actor":"u","actor_role":null,'
    """
    encoded = tuple(
        [
            _ENCODE_TEXT(v)
            if v.__class__ is str
            else "null"
            if v is None
            else int.__repr__(v)
            if v.__class__ is int
            else _json_value(v)
            for v in values
        ]
    )
    # each value is encoded on its own into a bytes template: one non-ASCII value (a
    # person's name) would otherwise make the whole text wide and its UTF-8 encoding
    # slow (version 2 entries verified at about half the speed of version 1 ones)
    if len(encoded) == _V1:
        return _TEMPLATE_BYTES % tuple([e.encode() for e in encoded])
    if len(encoded) != len(ROW_FIELDS):
        raise InvalidInputError(
            f"{len(CANONICAL_FIELDS)} or {len(ROW_FIELDS)} values are hashed, not {len(encoded)}",
            message_zh="审计条目字段数量不符。",
        )
    name, channel, version = encoded[_V1:]
    if version in ("1", "null") and name == "null" and channel == "null":
        return _TEMPLATE_BYTES % tuple([e.encode() for e in encoded[:_V1]])
    ordered: tuple[str, ...] = _V2_ORDER(encoded)
    return _TEMPLATE_V2_BYTES % tuple([e.encode() for e in ordered])


def canonical_bytes(entry: AuditEntry) -> bytes:
    """Deterministic JSON of the fields its payload version hashes (every field but
    ``prev_hash`` and ``hash`` for version 2): sorted keys, no whitespace, UTF-8, ``at`` as
    ``YYYY-MM-DDTHH:MM:SS.mmmZ``.

    >>> t = datetime(2024, 5, 1, tzinfo=UTC)
    >>> draft = AuditDraft(id="a1", at=t, actor="u1", action="login.failed", ip="10.0.0.1")
    >>> canonical_bytes(append(None, draft))[:60]
    b'{"action":"login.failed","actor":"u1","actor_name":null,"act'
    """
    return canonical_bytes_of(
        format_at(entry.at) if name == "at" else getattr(entry, name) for name in ROW_FIELDS
    )


def hasher(algorithm: str) -> Callable[[bytes], str]:
    """The function ``data -> "<algorithm>:<hex>"`` for ``algorithm`` (``sha256``/``sm3``)."""
    if algorithm not in ALGORITHMS:
        raise InvalidInputError(
            f"Unknown hash algorithm {algorithm!r}; use one of {', '.join(ALGORITHMS)}.",
            message_zh=f"不支持的哈希算法 {algorithm!r}。",
        )
    prefix = algorithm + ":"
    if algorithm in hashlib.algorithms_available:
        make = getattr(hashlib, algorithm, None) or functools.partial(hashlib.new, algorithm)
        return lambda data: prefix + make(data).hexdigest()
    cls = ALGORITHMS[algorithm]  # OpenSSL without SM3: the cryptography package has it

    def digest(data: bytes) -> str:
        h = hashes.Hash(cls())
        h.update(data)
        return prefix + h.finalize().hex()

    return digest


def chain_hash(prev_hash: str, entry: AuditEntry, algorithm: str = "sha256") -> str:
    """``"<algorithm>:<hex>"`` of ``prev_hash``, a newline, and :func:`canonical_bytes`."""
    return hasher(algorithm)(prev_hash.encode() + b"\n" + canonical_bytes(entry))


def algorithm_of(hash_value: str) -> str:
    return hash_value.partition(":")[0]


def append(prev: AuditEntry | None, draft: AuditDraft, algorithm: str | None = None) -> AuditEntry:
    """The entry that follows ``prev`` (``None`` starts a chain), ``at`` cut to milliseconds.

    ``algorithm`` defaults to the one ``prev`` was hashed with, else ``sha256``.
    """
    algorithm = algorithm or (algorithm_of(prev.hash) if prev else "sha256")
    values = {name: getattr(draft, name) for name in AuditDraft.__dataclass_fields__}
    at = draft.at.astimezone(UTC)
    values["at"] = at.replace(microsecond=at.microsecond // 1000 * 1000)
    seq, prev_hash = (prev.seq + 1, prev.hash) if prev else (1, GENESIS)
    unsealed = AuditEntry(**values, seq=seq, prev_hash=prev_hash, hash="")
    return AuditEntry(
        **values, seq=seq, prev_hash=prev_hash, hash=chain_hash(prev_hash, unsealed, algorithm)
    )


# ---- verification --------------------------------------------------------------------


class TamperKind(StrEnum):
    MODIFIED = "modified"  # content no longer matches the entry's own hash
    DELETED = "deleted"  # a gap in seq that is never filled
    INSERTED = "inserted"  # a seq that appears twice
    REORDERED = "reordered"  # an entry that arrives after a later one
    BROKEN_LINK = "broken_link"  # prev_hash is not the hash of the entry before
    TRUNCATED = "truncated"  # an anchor names an entry beyond the end of the log
    ANCHOR_MISMATCH = "anchor_mismatch"  # the entry at an anchor's seq has another hash
    ALGORITHM = "algorithm"  # an unknown or unexpected hash algorithm
    CHECKPOINT = "checkpoint"  # a signed checkpoint that is unreadable, unsigned or out of place
    ARCHIVE = "archive"  # an archive file that is missing or does not match its seal


@dataclass(frozen=True)
class Problem:
    seq: int
    kind: TamperKind
    message: str
    entry_id: str | None = None

    def __str__(self) -> str:
        return f"seq {self.seq}: {self.kind}: {self.message}"


@dataclass(frozen=True)
class Anchor:
    """The chain's head at some moment, kept out of reach of whoever can edit the log."""

    seq: int
    hash: str

    @classmethod
    def of(cls, entry: AuditEntry) -> Anchor:
        return cls(entry.seq, entry.hash)


@dataclass(frozen=True)
class VerifyReport:
    entries_checked: int
    head: Anchor | None
    problems: tuple[Problem, ...]
    problems_omitted: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def kinds(self) -> list[TamperKind]:
        return [problem.kind for problem in self.problems]


@dataclass
class _Seen:
    hashes: list[str] = field(default_factory=list)
    prevs: list[str] = field(default_factory=list)


class ChainVerifier:
    """Checks entries one at a time, in the order they are stored (normally by ``seq``).

    Memory holds the last ``window`` entries' hashes, the gaps seen so far and the
    problems; feed it from a database cursor and call :meth:`finish` at the end.
    ``start`` verifies a segment beginning after a trusted anchor instead of at genesis.
    """

    def __init__(
        self,
        *,
        anchors: Iterable[Anchor] = (),
        start: Anchor | None = None,
        algorithm: str | None = None,
        window: int = 4096,
        max_problems: int = 1000,
    ) -> None:
        self._anchors = {a.seq: a.hash for a in anchors}
        self._algorithm = algorithm
        self._window = window
        self._max_problems = max_problems
        base = start or Anchor(0, GENESIS)
        self._max_seq = base.seq
        self._head: Anchor | None = start
        self._recent: OrderedDict[int, _Seen] = OrderedDict({base.seq: _Seen([base.hash])})
        self._missing: list[tuple[int, int]] = []
        self._problems: list[Problem] = []
        self._omitted = 0
        self._count = 0

    def feed(self, entry: AuditEntry) -> None:
        self._count += 1
        self._check_own_hash(entry)
        seq = entry.seq
        if seq > self._max_seq:
            if seq == self._max_seq + 1:
                self._check_link(entry)
            else:
                self._missing.append((self._max_seq + 1, seq - 1))
            self._max_seq = seq
            self._head = Anchor.of(entry)
        elif self._fill_gap(seq):
            self._report(
                seq,
                TamperKind.REORDERED,
                f"entry {seq} is stored after entry {self._max_seq}",
                entry,
            )
            self._check_link(entry)
            successor = self._recent.get(seq + 1)
            if successor and entry.hash not in successor.prevs:
                self._report(seq + 1, TamperKind.BROKEN_LINK, _broken(seq + 1), None)
        else:
            self._report(seq, TamperKind.INSERTED, f"entry {seq} appears more than once", entry)
            self._check_link(entry)
        expected = self._anchors.get(seq)
        if expected is not None and entry.hash != expected:
            self._report(
                seq,
                TamperKind.ANCHOR_MISMATCH,
                f"entry {seq} has a different hash from the anchor recorded for it",
                entry,
            )
        self._remember(entry)

    def finish(self) -> VerifyReport:
        for first, last in self._missing:
            span = f"entry {first} is" if first == last else f"entries {first}-{last} are"
            self._report(first, TamperKind.DELETED, f"{span} missing", None)
        beyond = [seq for seq in self._anchors if seq > self._max_seq]
        if beyond:
            self._report(
                self._max_seq + 1,
                TamperKind.TRUNCATED,
                f"the log ends at entry {self._max_seq} but an anchor records entry "
                f"{max(beyond)}; newer entries were removed",
                None,
            )
        return VerifyReport(
            entries_checked=self._count,
            head=self._head,
            problems=tuple(self._problems),
            problems_omitted=self._omitted,
        )

    # ---- internals -------------------------------------------------------------------

    def _check_own_hash(self, entry: AuditEntry) -> None:
        algorithm = algorithm_of(entry.hash)
        if algorithm not in ALGORITHMS or (self._algorithm and algorithm != self._algorithm):
            wanted = self._algorithm or " or ".join(ALGORITHMS)
            message = f"entry {entry.seq} is hashed with {algorithm!r}, expected {wanted}"
            self._report(entry.seq, TamperKind.ALGORITHM, message, entry)
        elif chain_hash(entry.prev_hash, entry, algorithm) != entry.hash:
            message = f"entry {entry.seq} does not match its hash (its content was changed)"
            self._report(entry.seq, TamperKind.MODIFIED, message, entry)

    def _check_link(self, entry: AuditEntry) -> None:
        predecessor = self._recent.get(entry.seq - 1)
        if predecessor and entry.prev_hash not in predecessor.hashes:
            self._report(entry.seq, TamperKind.BROKEN_LINK, _broken(entry.seq), entry)

    def _fill_gap(self, seq: int) -> bool:
        for index, (first, last) in enumerate(self._missing):
            if first <= seq <= last:
                parts = [(first, seq - 1), (seq + 1, last)]
                self._missing[index : index + 1] = [(a, b) for a, b in parts if a <= b]
                return True
        return False

    def _remember(self, entry: AuditEntry) -> None:
        seen = self._recent.setdefault(entry.seq, _Seen())
        seen.hashes.append(entry.hash)
        seen.prevs.append(entry.prev_hash)
        self._recent.move_to_end(entry.seq)
        while len(self._recent) > self._window:
            self._recent.popitem(last=False)

    def _report(self, seq: int, kind: TamperKind, message: str, entry: AuditEntry | None) -> None:
        if len(self._problems) >= self._max_problems:
            self._omitted += 1
            return
        self._problems.append(Problem(seq, kind, message, entry.id if entry else None))


def _broken(seq: int) -> str:
    return (
        f"entry {seq} does not follow entry {seq - 1}: its prev_hash is not that entry's "
        "hash (an entry was replaced, re-hashed or inserted before it)"
    )


def verify_chain(
    entries: Iterable[AuditEntry],
    *,
    anchors: Iterable[Anchor] = (),
    start: Anchor | None = None,
    algorithm: str | None = None,
    max_problems: int = 1000,
) -> VerifyReport:
    """Check a whole chain, streaming: ``entries`` may be a generator over a cursor."""
    verifier = ChainVerifier(
        anchors=anchors, start=start, algorithm=algorithm, max_problems=max_problems
    )
    for entry in entries:
        verifier.feed(entry)
    return verifier.finish()
