"""ERP field mappings: declarative profiles that shape our supplier data as an ERP names it.

A profile is a TOML file (the shipped ones are in ``erp_profiles/`` at the top of the
repository; a customer copies one into ``<data dir>/erp_profiles/``, edits it, and a file
there with the same ``name`` replaces the shipped one)::

    [profile]
    name = "kingdee-k3cloud"                  # what a subscription or an export names
    title = "金蝶云星空 供应商 BD_Supplier"
    root = "Model"                            # the key the mapped record is sent under

    [supplier]                                # ERP field = our field
    FName = "name"
    "FBaseInfo.FSOCIALCRECODE" = "uscc"       # a dotted target nests objects
    FForbidStatus = { source = "lifecycle_state", map = { blocked = "B" }, default = "A" }
    "FCreateOrgId.FNumber" = { value = "100" } # a fixed value the ERP needs
    FNumber = ["uscc", "foreign_tax_id"]      # the first of these that has a value

    [bank_accounts]                           # one entry per account in use, a list at `into`
    into = "FBankInfo"
    fields = { FBankCode = "account_number", FOpenBankName = "bank_name" }

``[contacts]`` works as ``[bank_accounts]``. Our field names are the finance API's
(``SupplierView``, ``BankAccountView``, ``ContactView``); a name that is not one of them is
refused when the file is loaded, with the file and the line (:class:`ProfileError`).
Masked values (account numbers, phones) stay masked: a profile shapes, it never reveals.

>>> text = '[profile]\\nname = "x"\\n[supplier]\\nVendorName = "name"\\n'
>>> profile = parse_profile(text, "x.toml")
>>> profile.record({"name": "无锡示例", "bank_accounts": [], "contacts": []})
{'VendorName': '无锡示例'}
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from portal.domain.errors import DomainValidationError, ErrorKind, PortalError
from portal.domain.fields import fields_of

__all__ = [
    "SHIPPED",
    "Profile",
    "ProfileError",
    "ProfileNotFoundError",
    "Rule",
    "load_profiles",
    "parse_profile",
    "profiles_of",
]

#: The profiles the product ships (copy one to edit it).
SHIPPED = Path(__file__).resolve().parents[2] / "erp_profiles"
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")

SUPPLIER_SOURCES = frozenset(
    {f.name for f in fields_of("supplier")} - {"registered_capital"}
    | {"id", "version", "validated", "open_ended_term"}
    | {"registered_capital.amount", "registered_capital.currency"}
    | {f"invoicing_profile.{f.name}" for f in fields_of("invoicing_profile")}
)
BANK_SOURCES = frozenset({f.name for f in fields_of("bank_account")} | {"id", "is_default"})
CONTACT_SOURCES = frozenset({f.name for f in fields_of("contact")} | {"id"})
#: For an ERP with one account and one contact per supplier: ``bank_account.<field>`` is the
#: default account in use (else the first), ``contact.<field>`` the first contact.
SUPPLIER_SOURCES |= {f"bank_account.{name}" for name in BANK_SOURCES}
SUPPLIER_SOURCES |= {f"contact.{name}" for name in CONTACT_SOURCES}
_LISTS = {"bank_accounts": BANK_SOURCES, "contacts": CONTACT_SOURCES}


class ProfileError(DomainValidationError):
    """A profile file that cannot be used: the message names the file and the line."""

    code = "erp_profile.invalid"

    def __init__(self, file: str, line: int, message: str, zh: str | None = None) -> None:
        super().__init__(
            f"{file}, line {line}: {message}", zh=f"{file} 第 {line} 行：{zh or message}"
        )
        self.file, self.line = file, line


class ProfileNotFoundError(PortalError, LookupError):
    """No profile of that name."""

    kind = ErrorKind.NOT_FOUND
    code = "erp_profile.not_found"

    def __init__(self, name: str, known: Iterable[str]) -> None:
        listed = ", ".join(sorted(known)) or "none"
        super().__init__(
            f"no ERP profile named {name!r} (known: {listed})",
            message_zh=f"没有名为 {name!r} 的 ERP 映射（已有：{listed}）",
        )


@dataclass(frozen=True)
class Rule:
    """Where one ERP field's value comes from: our field (or the first of several that has a
    value), a fixed value, or our field translated through ``map`` (``default`` for a value
    the map does not list)."""

    target: tuple[str, ...]
    source: tuple[str, ...] | None = None
    value: Any = None
    mapping: Mapping[str, Any] | None = None
    default: Any = None

    def apply(self, view: Mapping[str, Any]) -> Any:
        if self.source is None:
            return self.value
        found = next(
            (v for s in self.source if (v := _read(view, s)) is not None and v != ""), None
        )
        if self.mapping is None:
            return found
        return self.mapping.get(str(found).lower(), self.default)


@dataclass(frozen=True)
class Profile:
    """A loaded profile (see the module's docstring for the file's shape)."""

    name: str
    title: str
    root: str | None
    file: str
    supplier: tuple[Rule, ...]
    lists: Mapping[str, tuple[str, tuple[Rule, ...]]] = field(default_factory=dict)

    def record(self, view: Mapping[str, Any]) -> dict[str, Any]:
        """One supplier (a finance-API view, masked) as the ERP names it."""
        out: dict[str, Any] = {}
        for rule in self.supplier:
            _put(out, rule.target, rule.apply(view))
        for key, (into, rules) in self.lists.items():
            entries = [item for item in view.get(key) or [] if not item.get("retired")]
            _put(out, tuple(into.split(".")), [_entry(rules, item) for item in entries])
        return out

    def event_body(self, event: Mapping[str, Any]) -> dict[str, Any]:
        """What a subscription with this profile receives for one feed event."""
        meta = ("seq", "id", "type", "at", "supplier_id", "request_id")
        record = self.record(event["supplier"])
        return {
            "profile": self.name,
            "event": {key: event.get(key) for key in meta},
            self.root or "record": record,
        }

    def columns(self) -> list[str]:
        """The CSV/XLSX header: supplier targets, then the first list's entry targets."""
        heads = [".".join(rule.target) for rule in self.supplier]
        for into, rules in self.lists.values():
            heads += [".".join((into, *rule.target)) for rule in rules]
        return heads

    def rows(self, view: Mapping[str, Any]) -> list[list[object]]:
        """Export rows of one supplier: one per account in use (each list's first entry for
        the other lists), or one row when it has none."""
        head = [rule.apply(view) for rule in self.supplier]
        parts: list[list[list[object]]] = []
        for key, (_, rules) in self.lists.items():
            items = [i for i in view.get(key) or [] if not i.get("retired")]
            if key != "bank_accounts":
                items = items[:1]
            parts.append([[r.apply(i) for r in rules] for i in items] or [[None] * len(rules)])
        rows = [head]
        for part in parts:
            rows = [[*row, *cells] for row in rows for cells in part]
        return rows


def _entry(rules: tuple[Rule, ...], item: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for rule in rules:
        _put(out, rule.target, rule.apply(item))
    return out


def _one(view: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    items = [i for i in view.get(key) or [] if not i.get("retired")]
    return next((i for i in items if i.get("is_default")), items[0] if items else {})


def _read(view: Mapping[str, Any], source: str) -> Any:
    head, _, rest = source.partition(".")
    if head in ("bank_account", "contact"):
        view, source = _one(view, f"{head}s"), rest
    value: Any = view
    for part in source.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return "; ".join(str(v) for v in value) if isinstance(value, list) else value


def _put(out: dict[str, Any], target: tuple[str, ...], value: Any) -> None:
    for part in target[:-1]:
        out = out.setdefault(part, {})
    out[target[-1]] = value


# --- loading ------------------------------------------------------------------------------


def _line_of(text: str, table: str, key: str | None) -> int:
    """The line of ``key`` in ``[table]`` (or of the table's header), for the message."""
    current, header_line = "", 1
    bare = key.split(".")[-1] if key else None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("["):
            current = stripped.strip("[]").strip()
            if current == table:
                header_line = number
            continue
        inside = current == table or current.startswith(f"{table}.")
        if not inside or key is None:
            continue
        name = stripped.split("=", 1)[0].strip().strip('"').strip("'")
        if name in (key, bare) or re.search(rf"[{{,\s]\"?{re.escape(key)}\"?\s*=", line):
            return number
    return header_line


def _rule(file: str, text: str, table: str, target: str, spec: Any, known: frozenset[str]) -> Rule:
    def refuse(message: str, zh: str) -> ProfileError:
        return ProfileError(file, _line_of(text, table, target), message, zh)

    path = tuple(part for part in target.split(".") if part)
    if not path:
        raise refuse("an empty ERP field name", "ERP 字段名为空")
    if isinstance(spec, str | list):
        spec = {"source": spec}
    if not isinstance(spec, dict):
        raise refuse(
            f"{target}: give our field's name, {{ value = ... }} or {{ source = ..., map = ... }}",
            f"{target}：请填写我方字段名，或 {{ value = ... }}，或 {{ source = ..., map = ... }}",
        )
    unknown_keys = set(spec) - {"source", "value", "map", "default"}
    if unknown_keys or ("source" in spec) == ("value" in spec):
        raise refuse(
            f"{target}: a rule has either source (with map and default) or value",
            f"{target}：规则须有 source（可带 map、default）或 value，二者取一",
        )
    given = spec.get("source")
    sources = (given,) if isinstance(given, str) else None
    if isinstance(given, list):
        sources = tuple(given)
    if given is not None and (not sources or not all(isinstance(s, str) for s in sources)):
        raise refuse(
            f"{target}: source is our field's name or a list of names (the first with a value)",
            f"{target}：source 须为我方字段名，或字段名列表（取第一个有值的）",
        )
    for source in sources or ():
        if source not in known:
            raise refuse(
                f"unknown field {source!r} for {target} (known: {', '.join(sorted(known))})",
                f"{target} 的来源字段 {source!r} 不存在（可用：{', '.join(sorted(known))}）",
            )
    mapping = spec.get("map")
    if mapping is not None and not isinstance(mapping, dict):
        raise refuse(f"{target}: map must be a table", f"{target}：map 须为表")
    folded = {str(k).lower(): v for k, v in mapping.items()} if mapping is not None else None
    return Rule(path, sources, spec.get("value"), folded, spec.get("default"))


def parse_profile(text: str, file: str) -> Profile:
    """A profile from its TOML text; raises :class:`ProfileError` naming ``file`` and the line."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = int(m[1]) if (m := re.search(r"line (\d+)", str(exc))) else 1
        raise ProfileError(file, line, f"not valid TOML: {exc}", f"不是有效的 TOML：{exc}") from exc
    head = data.get("profile")
    name = head.get("name") if isinstance(head, dict) else None
    if not isinstance(name, str) or not _NAME.match(name):
        raise ProfileError(
            file, _line_of(text, "profile", "name"),
            "[profile] needs a name of lower-case letters, digits, '.', '_' or '-'",
            "[profile] 须有 name（小写字母、数字、.、_、-）",
        )  # fmt: skip
    for extra in sorted(set(data) - {"profile", "supplier", *_LISTS}):
        raise ProfileError(
            file, _line_of(text, extra, None),
            f"unknown table [{extra}] (known: profile, supplier, bank_accounts, contacts)",
            f"未知的表 [{extra}]（可用：profile、supplier、bank_accounts、contacts）",
        )  # fmt: skip
    supplier = data.get("supplier") or {}
    rules = tuple(
        _rule(file, text, "supplier", target, spec, SUPPLIER_SOURCES)
        for target, spec in _flat(supplier)
    )
    lists: dict[str, tuple[str, tuple[Rule, ...]]] = {}
    for key, known in _LISTS.items():
        section = data.get(key)
        if section is None:
            continue
        into = section.get("into") if isinstance(section, dict) else None
        fields = section.get("fields") if isinstance(section, dict) else None
        if not isinstance(into, str) or not into or not isinstance(fields, dict):
            raise ProfileError(
                file, _line_of(text, key, None),
                f"[{key}] needs into = \"ERP list field\" and fields = {{ ... }}",
                f"[{key}] 须有 into（ERP 列表字段）和 fields",
            )  # fmt: skip
        lists[key] = (into, tuple(_rule(file, text, key, t, s, known) for t, s in _flat(fields)))
    title = head.get("title") if isinstance(head, dict) else None
    root = head.get("root") if isinstance(head, dict) else None
    return Profile(name, str(title or name), str(root) if root else None, file, rules, lists)


def _flat(table: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """``a.b = "x"`` written as TOML dotted keys arrives nested: flatten it back (a table
    with ``source`` or ``value`` is a rule, not a nesting)."""
    out: list[tuple[str, Any]] = []
    for key, spec in table.items():
        target = f"{prefix}{key}"
        if isinstance(spec, dict) and not {"source", "value"} & set(spec):
            out += _flat(spec, f"{target}.")
        else:
            out.append((target, spec))
    return out


def profiles_of(data_dir: Path) -> dict[str, Profile]:
    """The shipped profiles and the deployment's own (``<data dir>/erp_profiles/``)."""
    return load_profiles(SHIPPED, data_dir / "erp_profiles")


def load_profiles(*directories: Path) -> dict[str, Profile]:
    """Every ``*.toml`` profile of ``directories`` by name; a later directory's profile
    replaces an earlier one of the same name. The first bad file stops the load."""
    found: dict[str, Profile] = {}
    for directory in directories:
        if not directory.is_dir():
            continue
        for path in sorted(directory.glob("*.toml")):
            profile = parse_profile(path.read_text(encoding="utf-8"), path.name)
            found[profile.name] = profile
    return found
