"""Known vulnerabilities in the locked dependencies, checked offline against a bundled database.

`pip-audit` needs PyPI's JSON API or OSV over the network; neither is reachable from the CI
machines here (only package downloads are). So CI checks `requirements.lock` against the PyPA
advisory database (https://github.com/pypa/advisory-database, CC-BY-4.0) compiled into
`.ci/advisories.json.gz`: every advisory for a PyPI package, withdrawn ones left out, with its
affected version list and ranges. The database is as fresh as its `date`; refresh it with
`pip-audit -r requirements.lock` where the network allows, and re-compile it from a newer
checkout of the advisory database.

Usage: ``python .ci/vulns.py [requirements.lock]``; exit 1 when a pinned version is affected.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
from pathlib import Path

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

HERE = Path(__file__).resolve().parent


def pins(lock: Path) -> dict[str, Version]:
    found: dict[str, Version] = {}
    for line in lock.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==([^ \\;]+)", line)
        if match:
            found[canonicalize_name(match.group(1))] = Version(match.group(2))
    return found


def affected(version: Version, advisory: dict[str, object]) -> bool:
    listed = advisory.get("versions")
    if isinstance(listed, list) and str(version) in listed:
        return True
    for events in advisory.get("ranges", []) or []:  # type: ignore[union-attr]
        introduced = fixed = last = None
        for event in events:
            introduced = event.get("introduced", introduced)
            fixed = event.get("fixed", fixed)
            last = event.get("last_affected", last)
        try:
            low = Version(introduced) if introduced not in (None, "0") else None
            if (low is None or version >= low) and (
                (fixed is not None and version < Version(fixed))
                or (last is not None and version <= Version(last))
                or (fixed is None and last is None)
            ):
                return True
        except InvalidVersion:
            continue
    return False


def main(argv: list[str]) -> int:
    lock = Path(argv[0]) if argv else HERE.parent / "requirements.lock"
    db = json.loads(gzip.decompress((HERE / "advisories.json.gz").read_bytes()))
    locked = pins(lock)
    findings = [
        (name, str(locked[name]), adv["id"], adv["summary"])
        for adv in db["advisories"]
        if (name := canonicalize_name(adv["package"])) in locked and affected(locked[name], adv)
    ]
    print(
        f"vulns: {len(locked)} pinned packages in {lock.name} against "
        f"{len(db['advisories'])} advisories (PyPA advisory database of {db['date']})"
    )
    for name, version, advisory, summary in sorted(set(findings)):
        print(f"  {name} {version}: {advisory} {summary}")
    print(f"vulns: {len(set(findings))} affected")
    return 1 if findings else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
