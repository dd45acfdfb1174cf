"""The words behind the pages' badges: the work permit's categories (A, B, C)."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

# The three categories of 外国人来华工作许可 (A: ≥85 points or a recognised talent; B: ≥60 points or
# the professional criteria; C: quota, seasonal and short-term work).
CATEGORIES = {"A": _("外国高端人才"), "B": _("外国专业人才"), "C": _("其他外国人员")}


@register.filter
def category_name(category: str) -> str:
    """"A" → 外国高端人才 ("" for anything else)."""
    return str(CATEGORIES.get((category or "").strip().upper(), ""))
