"""Compare the findings of two stores of the same site inspected on different ports (issue 22).

    .venv/bin/python bench/compare_findings.py A.db B.db

``bench/memory_peaks.py --keep`` and ``bench/side_by_side.py`` serve the generated site on a free
port each run, and a finding's URLs (so its fingerprint) carry the port. Every field is compared
with ``127.0.0.1:<port>`` replaced and the fingerprint recomputed from the replaced fields (as
``core.model.Finding.fingerprint`` computes it); the run facts' ``probed_at`` stamp is left out.
Prints the counts, whether fingerprints and whole findings agree, and the first differences;
exit 0 when every finding is equal.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import sys
from collections import Counter

PORT = re.compile(r"127\.0\.0\.1:\d+")
Key = tuple[str, str, str, str, str]


def _plain(value: str | None) -> str:
    return PORT.sub("HOST", value) if value else ""


def findings(db: str) -> Counter[Key]:
    """(fingerprint, code, severity, message, evidence JSON) of every finding, ports replaced."""
    out: Counter[Key] = Counter()
    with sqlite3.connect(db) as con:
        for kind, code, severity, url, source, target, message, evidence in con.execute(
                "select kind, code, severity, url, source, target, message, evidence from findings"):
            facts = json.loads(evidence)
            facts.pop("probed_at", None)
            key = "\x1f".join([kind, _plain(url), _plain(source), _plain(target)])
            out[(hashlib.sha1(key.encode("utf-8")).hexdigest()[:16], code, severity, _plain(message),
                 _plain(json.dumps(facts, sort_keys=True, ensure_ascii=False)))] += 1
    return out


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    first, second = findings(sys.argv[1]), findings(sys.argv[2])
    print(f"findings: {sum(first.values())} / {sum(second.values())}")
    print(f"fingerprints equal: {set(k[0] for k in first) == set(k[0] for k in second)}")
    print(f"findings equal (code, severity, message, evidence): {first == second}")
    for label, extra in (("only in the first", first - second), ("only in the second", second - first)):
        for key in list(extra)[:5]:
            print(f"{label}: {key[1]} {key[3][:120]} {key[4][:300]}")
    return 0 if first == second else 1


if __name__ == "__main__":
    raise SystemExit(main())
