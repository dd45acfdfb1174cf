"""The `tongban-draw-v1` algorithm (双随机): pure Python, no Django, so that the draw, its tests and
anyone outside can run the same steps on the published inputs.

- rank(kind, id) = the big-endian integer of SHA-256 over the UTF-8 bytes of seed_hex + ":" + kind + ":" + id.
- Targets sorted by rank("target", credit_code) ascending; the first targets_count are selected.
- Eligible inspectors sorted by rank("inspector", certificate number); group g takes positions
  g·size … g·size+size−1; the rest, in order, are the reserve.
- Target j (in rank order) goes to group j mod groups, or the next group without a conflicted member;
  if every group has one, the default group keeps it and each conflicted member is replaced, for this
  target only, by the next unused reserve inspector without a conflict; a target that cannot be
  staffed gets group None.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

ALGORITHM = "tongban-draw-v1"


def new_seed() -> str:
    """A secret 32-byte seed as its lowercase hex string."""
    return secrets.token_bytes(32).hex()


def commitment(seed_hex: str) -> str:
    """Hex SHA-256 of the seed's lowercase hex string (ASCII), published before the draw."""
    return hashlib.sha256(seed_hex.lower().encode("ascii")).hexdigest()


def rank(seed_hex: str, kind: str, ident: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{seed_hex}:{kind}:{ident}".encode()).digest(), "big")


def ranked(seed_hex: str, kind: str, idents: Iterable[str]) -> list[str]:
    return sorted(idents, key=lambda ident: (rank(seed_hex, kind, ident), ident))


@dataclass
class Assignment:
    target: str
    group: int | None
    substitutions: list[dict] = field(default_factory=list)  # [{"out": id, "in": id}]
    members: list[str] = field(default_factory=list)  # who inspects, in rank order (leader first)


@dataclass
class DrawResult:
    selected_targets: list[str]
    groups: list[list[str]]
    reserve: list[str]
    assignments: list[Assignment]


class DrawInputError(ValueError):
    """The inputs cannot make the plan's groups or targets (named by `field`)."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


def draw(*, seed_hex: str, targets: Sequence[str], inspectors: Sequence[str], conflicts: Iterable[Sequence[str]],
         targets_count: int, groups: int, group_size: int) -> DrawResult:
    if groups < 1 or group_size < 1:
        raise DrawInputError("groups and group_size must be positive", field="groups")
    if len(inspectors) < groups * group_size:
        raise DrawInputError(f"{len(inspectors)} eligible inspectors cannot make {groups} groups of {group_size}",
                             field="inspectors")
    if len(targets) < targets_count:
        raise DrawInputError(f"{len(targets)} targets in the directory, {targets_count} to draw", field="targets")
    conflicted = {(inspector, target) for inspector, target in conflicts}
    selected = ranked(seed_hex, "target", targets)[:targets_count]
    order = ranked(seed_hex, "inspector", inspectors)
    teams = [order[g * group_size:(g + 1) * group_size] for g in range(groups)]
    reserve = order[groups * group_size:]
    position = {inspector: i for i, inspector in enumerate(order)}
    assignments = []
    for j, target in enumerate(selected):
        default = j % groups
        chosen = next((g for g in ((default + k) % groups for k in range(groups))
                       if not any((m, target) in conflicted for m in teams[g])), None)
        if chosen is not None:
            assignments.append(Assignment(target=target, group=chosen, members=list(teams[chosen])))
            continue
        used: set[str] = set()
        substitutions = []
        staffed = True
        for member in teams[default]:
            if (member, target) not in conflicted:
                continue
            substitute = next((r for r in reserve if r not in used and (r, target) not in conflicted), None)
            if substitute is None:
                staffed = False
                break
            used.add(substitute)
            substitutions.append({"out": member, "in": substitute})
        if not staffed:
            assignments.append(Assignment(target=target, group=None))
            continue
        out = {s["out"] for s in substitutions}
        members = sorted([m for m in teams[default] if m not in out] + [s["in"] for s in substitutions],
                         key=position.__getitem__)
        assignments.append(Assignment(target=target, group=default, substitutions=substitutions, members=members))
    return DrawResult(selected_targets=selected, groups=teams, reserve=reserve, assignments=assignments)


def sample(*, seed_hex: str, kind: str, idents: Sequence[str], size: int) -> list[str]:
    """The first `size` of `idents` by rank(kind, id): the case-file sample uses kind "case"."""
    return ranked(seed_hex, kind, idents)[:size]
