"""Loading the shipped domain YAML (agencies) into typed records."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import yaml

#: The catch-all agency of ``agencies.yml`` ("the verifier decides"): a suggestion of it means the
#: classifier does not know, it is never a training label and never a forwarding target.
UNDECIDED_AGENCY: Final = "lainnya"


@dataclass(frozen=True, slots=True)
class AgencySpec:
    code: str
    name: str
    description: str
    keywords: tuple[str, ...] = field(default_factory=tuple)


def load_agencies(path: Path) -> list[AgencySpec]:
    """Read ``agencies.yml``, refusing duplicate or malformed codes: routing depends on them."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    specs: list[AgencySpec] = []
    seen: set[str] = set()
    for item in raw.get("agencies", []):
        code = str(item["code"]).strip()
        if not code.replace("_", "").isalnum() or code != code.lower():
            raise ValueError(
                f"{path}: agency code {code!r} must be lower-case letters, digits or _"
            )
        if code in seen:
            raise ValueError(f"{path}: agency code {code!r} appears twice")
        seen.add(code)
        specs.append(
            AgencySpec(
                code=code,
                name=str(item["name"]),
                description=str(item.get("description", "")),
                keywords=tuple(str(k) for k in item.get("keywords") or ()),
            )
        )
    return specs
