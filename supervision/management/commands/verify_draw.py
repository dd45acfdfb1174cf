"""Recompute a published tongban-draw-v1 draw from its JSON alone and compare.

Deliberately independent of supervision.draw: it reads only the published fields (a saved file or
the public API URL) and runs the published description of the algorithm again."""

from __future__ import annotations

import hashlib
import json
import urllib.request

from django.core.management.base import BaseCommand, CommandError


def _rank(seed: str, kind: str, ident: str) -> int:
    return int.from_bytes(hashlib.sha256((seed + ":" + kind + ":" + ident).encode("utf-8")).digest(), "big")


def _assign(selected, groups, reserve, conflicts):
    out = []
    count = len(groups)
    for j, target in enumerate(selected):
        found = None
        for k in range(count):
            g = (j + k) % count
            if not any((member, target) in conflicts for member in groups[g]):
                found = g
                break
        if found is not None:
            out.append({"target": target, "group": found, "substitutions": []})
            continue
        g, taken, subs = j % count, [], []
        for member in groups[g]:
            if (member, target) not in conflicts:
                continue
            replacement = next((r for r in reserve if r not in taken and (r, target) not in conflicts), None)
            if replacement is None:
                g, subs = None, []
                break
            taken.append(replacement)
            subs.append({"out": member, "in": replacement})
        out.append({"target": target, "group": g, "substitutions": subs})
    return out


def recompute(published: dict) -> dict:
    seed = published["seed"]
    plan = published["plan"]
    conflicts = {(pair[0], pair[1]) for pair in published["conflicts"]}
    selected = sorted(published["targets_input"], key=lambda code: _rank(seed, "target", code))
    selected = selected[: plan["targets_count"]]
    order = sorted(published["inspectors_input"], key=lambda ident: _rank(seed, "inspector", ident))
    size, count = plan["group_size"], plan["groups"]
    groups = [order[g * size:(g + 1) * size] for g in range(count)]
    reserve = order[count * size:]
    return {"selected_targets": selected, "groups": groups, "reserve": reserve,
            "assignments": _assign(selected, groups, reserve, conflicts)}


def differences(published: dict) -> list[str]:
    problems = []
    if published.get("algorithm") != "tongban-draw-v1":
        return [f"unknown algorithm {published.get('algorithm')!r}"]
    seed = published.get("seed")
    if not seed:
        return ["the draw has not happened yet: no seed is published"]
    if hashlib.sha256(seed.encode("ascii")).hexdigest() != published.get("seed_commitment"):
        return ["the seed does not match the seed_commitment published before the draw"]
    if published["inspectors_input"] != sorted(published["inspectors_input"]):
        problems.append("inspectors_input is not sorted")
    expected = recompute(published)
    for key in ("selected_targets", "groups"):
        if published.get(key) != expected[key]:
            problems.append(f"{key}: published {published.get(key)} but recomputed {expected[key]}")
    if "reserve" in published and published["reserve"] != expected["reserve"]:
        problems.append(f"reserve: published {published['reserve']} but recomputed {expected['reserve']}")
    shown = [{"target": a.get("target"), "group": a.get("group"), "substitutions": a.get("substitutions", [])}
             for a in published.get("assignments", [])]
    if len(shown) != len(expected["assignments"]):
        problems.append(f"{len(shown)} assignments published, {len(expected['assignments'])} recomputed")
    for got, want in zip(shown, expected["assignments"], strict=False):
        if got != want:
            problems.append(f"assignment of {want['target']}: published {got} but recomputed {want}")
    return problems


class Command(BaseCommand):
    help = ("Recompute a published inspection draw (tongban-draw-v1) from its JSON — the public API URL "
            "/api/v1/public/inspection-draws/<id>/ or a saved copy — and exit non-zero on any difference.")

    def add_arguments(self, parser):
        parser.add_argument("source", help="a file with the published JSON, or its http(s) URL")

    def handle(self, *args, **options):
        source = options["source"]
        try:
            if source.startswith(("http://", "https://")):
                request = urllib.request.Request(source, headers={"Accept": "application/json"})
                with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - the user's URL
                    text = response.read().decode("utf-8")
            else:
                with open(source, encoding="utf-8") as handle:
                    text = handle.read()
            published = json.loads(text)
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot read {source}: {exc}") from exc
        try:
            problems = differences(published)
        except (KeyError, TypeError) as exc:
            raise CommandError(f"the JSON lacks a published field: {exc}") from exc
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"{len(problems)} difference(s): the published draw does not recompute")
        selected = len(published["selected_targets"])
        substituted = sum(1 for a in published["assignments"] if a.get("substitutions"))
        self.stdout.write(f"OK: plan {published['plan'].get('id')}, seed matches its commitment, {selected} targets, "
                          f"{len(published['groups'])} groups and {substituted} substitution(s) recompute exactly")
