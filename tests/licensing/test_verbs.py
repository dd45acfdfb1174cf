"""The verb registry is the one definition of every act: every FSM transition and case-log verb
belongs to it (or is a listed system act), and every registered verb is reachable from the API,
the OpenAPI schema and, for officers, the workbench."""

import ast
from pathlib import Path

import pytest
from django_fsm import FSMField

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from licensing.constants import CaseVerb
from licensing.models import Application
from licensing.verbs import OTHER_LOG_VERBS, SYSTEM_TRANSITIONS, Verb, VerbRegistry, registry


def fsm_transitions() -> set[str]:
    field = next(f for f in Application._meta.fields if isinstance(f, FSMField))
    return {t.name for t in field.get_all_transitions(Application)}


def test_every_fsm_transition_is_a_registered_verb_or_a_listed_system_act():
    registered = {v.transition for v in registry if v.transition}
    assert fsm_transitions() == registered | set(SYSTEM_TRANSITIONS)
    assert not registered & set(SYSTEM_TRANSITIONS)


def test_every_case_log_verb_belongs_to_exactly_one_verb_or_is_a_listed_other_act():
    logged = [v.log for v in registry]
    assert len(logged) == len(set(logged))
    assert set(CaseVerb.values) == set(logged) | OTHER_LOG_VERBS


def test_no_verb_string_is_logged_outside_the_vocabulary():
    """Every `verb=` passed to log_append in the code is a CaseVerb member (or a variable)."""
    strays = []
    for path in Path(settings.BASE_DIR, "licensing").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) in (
                    "log_append", "finish"):
                for keyword in node.keywords:
                    if keyword.arg == "verb" and isinstance(keyword.value, ast.Constant) \
                            and keyword.value.value not in CaseVerb.values:
                        strays.append((path.name, keyword.value.value))
                for arg in node.args[2:3]:
                    if isinstance(arg, ast.Constant) and arg.value not in CaseVerb.values:
                        strays.append((path.name, arg.value))
    assert strays == []


def test_every_registered_verb_has_an_api_endpoint_in_the_schema(client):
    schema = client.get("/api/schema/?format=json").json()
    for verb in registry:
        url = reverse(f"api-application-{verb.slug}", args=[1])
        assert url == f"/api/v1/applications/1/{verb.slug}/"
        operation = schema["paths"][f"/api/v1/applications/{{id}}/{verb.slug}/"]["post"]
        if verb.inputs:
            assert "requestBody" in operation, verb.slug
        assert {"200", "400", "403", "404", "409"} <= set(operation["responses"]), verb.slug


def test_every_officer_verb_can_be_posted_from_the_workbench():
    for verb in registry.officer_verbs():
        assert reverse("workbench-action", args=[1, verb.slug]) == f"/workbench/cases/1/{verb.slug}/"


@pytest.mark.django_db
def test_an_applicant_verb_is_not_a_workbench_action(client, officers, file_application):
    app = file_application()
    client.force_login(officers["intake"].user)
    assert client.post(reverse("workbench-action", args=[app.pk, "withdraw"])).status_code == 404
    assert client.post(reverse("workbench-action", args=[app.pk, "no-such-verb"])).status_code == 404


def test_the_registry_refuses_a_slug_transition_or_log_verb_twice():
    fresh = VerbRegistry()
    accept = registry["accept"]
    fresh.register(accept)
    with pytest.raises(ImproperlyConfigured):
        fresh.register(accept)
    twin = Verb(slug="accept-again", log=CaseVerb.APPROVE, transition="accept", service=accept.service,
                label=accept.label, help=accept.help, done=accept.done, roles=accept.roles)
    with pytest.raises(ImproperlyConfigured):
        fresh.register(twin)


def test_the_case_log_refuses_a_verb_outside_the_vocabulary(file_application):
    from licensing.caselog import log_append

    app = file_application()
    with pytest.raises(ValueError):
        log_append(application=app, actor=None, verb="approved-by-magic", from_state="", to_state="")


@pytest.mark.django_db
def test_the_extension_hint_and_limit_come_from_the_catalog(client, officers, file_application):
    from licensing.workflow import application_accept
    from services.models import ServiceType

    from .conftest import at

    app = file_application()
    ServiceType.objects.filter(pk=app.service_type_id).update(extension_limit=7)
    import datetime as dt

    with at(dt.date(2025, 9, 29)):
        application_accept(application=app, actor=officers["intake"].user)
        client.force_login(officers["approver"].user)
        page = client.get(reverse("workbench-case", args=[app.pk])).content.decode()
        assert "最多7个工作日" in page and "最多10个工作日" not in page
        response = client.post(reverse("workbench-action", args=[app.pk, "extend"]),
                               {"extend-days": "8", "extend-reason": "情况复杂"})
    assert response.status_code == 400
    app.refresh_from_db()
    assert app.extension_days == 0
