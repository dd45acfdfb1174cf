"""Work permit category from the national points table (外国人来华工作积分要素计分赋值表, 2017).

A: 85 points or more; B: 60 points or more, or a bachelor's degree and at least two years'
experience; C: the rest. Employers in Yunnan score the western-region points."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

SALARY_TIERS = [(450_000, 20), (350_000, 17), (250_000, 14), (150_000, 11), (100_000, 8), (70_000, 5),
                (50_000, 2)]
DEGREE_POINTS = {"doctorate": 20, "master": 15, "bachelor": 10, "other": 0}
WESTERN_REGION_POINTS = 10


@dataclass(frozen=True)
class PointsResult:
    category: str
    total: int
    breakdown: dict[str, int]


def age_on(birth: dt.date, day: dt.date) -> int:
    """Completed years of age on `day`."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _salary(amount: int) -> int:
    return next((points for floor, points in SALARY_TIERS if amount >= floor), 0)


def _experience(years: int) -> int:
    return 0 if years < 2 else min(20, 5 + (years - 2))


def _months(months: int) -> int:
    if months >= 9:
        return 15
    if months >= 6:
        return 10
    if months >= 3:
        return 5
    return 0


def _age(age: int) -> int:
    if 26 <= age <= 45:
        return 15
    if 18 <= age <= 25 or 46 <= age <= 55:
        return 10
    if 56 <= age <= 60:
        return 5
    return 0


def work_permit_points(data: dict, *, on: dt.date) -> PointsResult:
    birth = dt.date.fromisoformat(data["birth_date"])
    age = age_on(birth, on)
    breakdown = {
        "salary": _salary(int(data["annual_salary_cny"])),
        "degree": DEGREE_POINTS.get(data["highest_degree"], 0),
        "experience": _experience(int(data["experience_years"])),
        "months_per_year": _months(int(data["months_per_year"])),
        "chinese": min(int(data["chinese_level"]), 5),
        "region": WESTERN_REGION_POINTS,
        "age": _age(age),
    }
    total = sum(breakdown.values())
    if total >= 85:
        category = "A"
    elif total >= 60 or (data["highest_degree"] in ("bachelor", "master", "doctorate")
                         and int(data["experience_years"]) >= 2):
        category = "B"
    else:
        category = "C"
    return PointsResult(category=category, total=total, breakdown=breakdown)
