"""tongban-draw-v1 as a pure function: the next-group rule, reserve substitution, an unstaffable
target, and agreement with verify_draw's independent implementation on random inputs."""

import hashlib
import random

import pytest

from supervision import draw
from supervision.management.commands.verify_draw import differences, recompute

SEED = "3f" * 32


def test_the_commitment_is_the_sha256_of_the_lowercase_hex_seed():
    seed = draw.new_seed()
    assert len(seed) == 64 and seed == seed.lower()
    assert draw.commitment(seed) == hashlib.sha256(seed.encode("ascii")).hexdigest()


def test_rank_is_the_big_endian_sha256_of_seed_kind_and_id():
    expected = int.from_bytes(hashlib.sha256(f"{SEED}:target:91530100MA6K88990X".encode()).digest(), "big")
    assert draw.rank(SEED, "target", "91530100MA6K88990X") == expected


def _order(kind, idents):
    return sorted(idents, key=lambda i: draw.rank(SEED, kind, i))


def test_a_conflicted_group_passes_the_target_to_the_next_group():
    inspectors = [f"I{n}" for n in range(6)]
    order = _order("inspector", inspectors)
    targets = _order("target", ["T1", "T2", "T3"])
    # The first target's default group 0 has a conflict; group 1 has none.
    result = draw.draw(seed_hex=SEED, targets=targets, inspectors=inspectors, conflicts=[(order[0], targets[0])],
                       targets_count=3, groups=2, group_size=2)
    assert result.groups == [order[0:2], order[2:4]] and result.reserve == order[4:]
    first = result.assignments[0]
    assert first.target == targets[0] and first.group == 1 and first.substitutions == []


def test_when_every_group_is_conflicted_reserve_inspectors_replace_the_conflicted_members():
    inspectors = [f"I{n}" for n in range(6)]
    order = _order("inspector", inspectors)
    target = _order("target", ["T1"])[0]
    conflicts = [(order[0], target), (order[3], target), (order[4], target)]  # reserve order[4] too
    result = draw.draw(seed_hex=SEED, targets=[target], inspectors=inspectors, conflicts=conflicts,
                       targets_count=1, groups=2, group_size=2)
    only = result.assignments[0]
    assert only.group == 0
    assert only.substitutions == [{"out": order[0], "in": order[5]}]  # order[4] is skipped: conflicted
    assert only.members == [order[1], order[5]]  # rank order: the remaining member leads


def test_a_target_nobody_can_staff_gets_no_group():
    inspectors = [f"I{n}" for n in range(4)]
    target = "T1"
    result = draw.draw(seed_hex=SEED, targets=[target], inspectors=inspectors,
                       conflicts=[(i, target) for i in inspectors], targets_count=1, groups=2, group_size=2)
    assert result.assignments[0].group is None and result.assignments[0].substitutions == []


def test_too_few_inspectors_or_targets_are_refused():
    with pytest.raises(draw.DrawInputError) as error:
        draw.draw(seed_hex=SEED, targets=["T"], inspectors=["A", "B", "C"], conflicts=[], targets_count=1,
                  groups=2, group_size=2)
    assert error.value.field == "inspectors"
    with pytest.raises(draw.DrawInputError) as error:
        draw.draw(seed_hex=SEED, targets=["T"], inspectors=["A", "B"], conflicts=[], targets_count=2, groups=1,
                  group_size=2)
    assert error.value.field == "targets"


@pytest.mark.parametrize("case", range(200))
def test_the_draw_and_verify_draws_independent_recomputation_agree(case):
    rng = random.Random(case)
    seed = f"{rng.getrandbits(256):064x}"
    groups, size = rng.randint(1, 5), rng.randint(2, 4)
    inspectors = sorted(f"ZF{n:04d}" for n in rng.sample(range(10000), groups * size + rng.randint(0, 5)))
    targets = [f"9153{n:014d}" for n in rng.sample(range(10**9), rng.randint(1, 30))]
    count = rng.randint(1, len(targets))
    conflicts = sorted({(rng.choice(inspectors), rng.choice(targets)) for _ in range(rng.randint(0, 40))})
    result = draw.draw(seed_hex=seed, targets=targets, inspectors=inspectors, conflicts=conflicts,
                       targets_count=count, groups=groups, group_size=size)
    published = {
        "algorithm": "tongban-draw-v1", "seed": seed, "seed_commitment": draw.commitment(seed),
        "plan": {"targets_count": count, "groups": groups, "group_size": size},
        "targets_input": targets, "inspectors_input": inspectors, "conflicts": [list(c) for c in conflicts],
        "selected_targets": result.selected_targets, "groups": result.groups, "reserve": result.reserve,
        "assignments": [{"target": a.target, "group": a.group, "substitutions": a.substitutions}
                        for a in result.assignments],
    }
    assert differences(published) == []
    assert recompute(published)["assignments"] == published["assignments"]
