"""Provider answers as JSON, for a cache shared between processes.

A shared cache cannot keep Python objects, and pickle would let whoever can write to Redis
run code in every instance. :class:`ValueCodec` writes frozen dataclasses, enums, dates,
times, decimals, tuples and plain values as tagged JSON and reads back only the types it was
given: anything else (a type renamed by an upgrade, a value someone planted) reads as
:class:`UnknownValueError`, which a cache treats as a miss (the question is asked again).

>>> from dataclasses import dataclass
>>> from datetime import date
>>> from decimal import Decimal
>>> @dataclass(frozen=True)
... class Answer:
...     name: str
...     since: date | None
...     capital: Decimal
...     former: tuple[str, ...] = ()
>>> codec = ValueCodec([Answer])
>>> text = codec.dumps(Answer("甲公司", date(2020, 1, 2), Decimal("5000000.00"), ("乙",)))
>>> codec.loads(text)
Answer(name='甲公司', since=datetime.date(2020, 1, 2), capital=Decimal('5000000.00'), \
former=('乙',))
>>> ValueCodec([]).loads(text)
Traceback (most recent call last):
providers.codec.UnknownValueError: no type 'Answer' among the cache's known types
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any


class UnknownValueError(ValueError):
    """A stored value names a type this codec does not know, or is not the codec's JSON."""


class ValueCodec:
    """Tagged JSON for the given dataclass and enum types (and plain values)."""

    def __init__(self, types: Iterable[type]) -> None:
        self.types: dict[str, type] = {t.__name__: t for t in types}

    def with_types(self, types: Iterable[type]) -> ValueCodec:
        return ValueCodec([*self.types.values(), *types])

    def dumps(self, value: object) -> str:
        return json.dumps(self._encode(value), ensure_ascii=False, separators=(",", ":"))

    def loads(self, text: str | bytes) -> object:
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise UnknownValueError(f"not a cached value: {exc}") from exc
        return self._decode(data)

    def _known(self, name: object) -> type:
        cls = self.types.get(name) if isinstance(name, str) else None
        if cls is None:
            raise UnknownValueError(f"no type {name!r} among the cache's known types")
        return cls

    def _encode(self, value: object) -> Any:
        if value is None or (
            isinstance(value, bool | int | float | str) and not isinstance(value, Enum)
        ):
            return value
        if isinstance(value, Enum):
            self._known(type(value).__name__)
            return {"$e": type(value).__name__, "v": value.value}
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            self._known(type(value).__name__)
            fields = {
                f.name: self._encode(getattr(value, f.name))
                for f in dataclasses.fields(value)
                if f.init
            }
            return {"$d": type(value).__name__, "v": fields}
        if isinstance(value, datetime):
            return {"$t": value.isoformat()}
        if isinstance(value, date):
            return {"$date": value.isoformat()}
        if isinstance(value, Decimal):
            return {"$n": str(value)}
        if isinstance(value, tuple | list):
            return {"$l": [self._encode(v) for v in value]}
        raise TypeError(f"cannot cache a {type(value).__name__}")

    def _decode(self, data: Any) -> object:
        if not isinstance(data, dict):
            return data
        if "$d" in data:
            cls = self._known(data["$d"])
            values = data.get("v")
            if not isinstance(values, dict):
                raise UnknownValueError("a cached record without fields")
            try:
                return cls(**{k: self._decode(v) for k, v in values.items()})
            except TypeError as exc:  # fields renamed since the value was stored
                raise UnknownValueError(str(exc)) from exc
        if "$e" in data:
            try:
                return self._known(data["$e"])(data.get("v"))
            except ValueError as exc:
                raise UnknownValueError(str(exc)) from exc
        if "$t" in data:
            return datetime.fromisoformat(data["$t"])
        if "$date" in data:
            return date.fromisoformat(data["$date"])
        if "$n" in data:
            return Decimal(data["$n"])
        if "$l" in data:
            return tuple(self._decode(v) for v in data["$l"])
        raise UnknownValueError("an unknown tag in a cached value")


__all__ = ["UnknownValueError", "ValueCodec"]
