"""Template context: who the user is in Tongban terms (officer roles, applicant)."""

from django.http import HttpRequest
from django.utils.translation import get_language


def staff(request: HttpRequest) -> dict:
    is_en = (get_language() or "").startswith("en")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"officer": None, "officer_roles": set(), "applicant": None, "is_en": is_en}
    officer = getattr(user, "officer", None) if hasattr(user, "officer") else None
    applicant = getattr(user, "applicant", None) if hasattr(user, "applicant") else None
    return {
        "officer": officer,
        "officer_roles": officer.role_codes() if officer else set(),
        "applicant": applicant,
        "is_en": is_en,
    }
