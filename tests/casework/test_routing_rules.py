"""The admin-edited routing rules: one test per default rule, admin edits change the routing,
a disabled rule (or one naming a hotline not deployed here) routes nowhere, and the approval
form shows each target's rule."""

from __future__ import annotations

import pytest
from django.urls import reverse

from casework import hotlines, roles
from casework.cases import claims, decisions
from casework.escalation import routing
from casework.escalation.models import RoutingRule
from tests.helpers import make_user, signed_in
from tests.hotlines.manual_cases import filed_case

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def routing_by_rules(settings, monkeypatch):
    settings.NCMEC_ROUTING = "us"
    settings.SERVICE_COUNTRY = ""
    settings.NCA_ALSO_WHEN_NCMEC = True


def targets(case) -> dict[str, str]:
    return {r.target: r.why for r in routing.routed_targets(case)}


def test_us_nexus_goes_to_ncmec():
    assert targets(filed_case(1, jurisdiction="US", url=None)) == {
        "ncmec": "a report has a US nexus (jurisdiction US) (rule 10)"
    }


def test_uk_linked_goes_to_the_nca():
    assert targets(filed_case(2, jurisdiction="GB", url=None)) == {
        "nca": "a report is UK-linked (jurisdiction GB) (rule 20)"
    }


def test_a_uk_service_goes_to_the_nca(settings):
    settings.SERVICE_COUNTRY = "GB"
    assert targets(filed_case(3, jurisdiction="", url=None)) == {
        "nca": "the service is in the UK (SERVICE_COUNTRY GB) (rule 30)"
    }


def test_publicly_reachable_content_goes_to_the_iwf():
    routed = targets(filed_case(4, jurisdiction="", url="https://x.example.test/a"))
    assert routed == {
        "iwf": "the content is publicly reachable (a report carries a content URL) (rule 40)"
    }
    assert targets(filed_case(5, jurisdiction="", url=None)) == {}


def test_canadian_nexus_goes_to_cybertip():
    assert targets(filed_case(6, jurisdiction="CA", url=None)) == {
        "cybertip": "a report has a Canadian nexus (jurisdiction CA) (rule 50)"
    }


def test_rules_add_up_and_ncmec_routing_always_still_holds(settings):
    case = filed_case(7, jurisdiction="GB", url="https://x.example.test/b")
    assert list(targets(case)) == ["nca", "iwf"]
    settings.NCMEC_ROUTING = "always"
    assert targets(case)["ncmec"] == "NCMEC_ROUTING is always"


def test_a_disabled_rule_is_ignored():
    RoutingRule.objects.filter(target="cybertip").update(enabled=False)
    assert targets(filed_case(8, jurisdiction="CA", url=None)) == {}


def test_a_rule_for_a_hotline_not_deployed_routes_nowhere(monkeypatch):
    monkeypatch.delitem(hotlines.TARGETS, "nca")
    assert targets(filed_case(9, jurisdiction="GB", url=None)) == {}


def test_the_reason_condition():
    rule = RoutingRule.objects.create(
        position=5,
        description="sextortion goes to the portal",
        reasons=["sextortion"],
        target="nca_portal",
    )
    case = filed_case(10, jurisdiction="", url=None)  # a csam report
    assert "nca_portal" not in targets(case)
    rule.reasons = ["sextortion", "csam"]
    rule.save()
    assert targets(case)["nca_portal"] == "sextortion goes to the portal (rule 5)"


def test_an_admin_edit_changes_the_routing():
    case = filed_case(12, jurisdiction="CA", url=None)
    rule = RoutingRule.objects.get(target="cybertip")
    client = signed_in(make_user("u-admin", roles.ADMIN))
    form = {
        "position": 50,
        "description": "Canada, or a Mexican nexus",
        "jurisdictions": '["mx "]',
        "service_countries": "[]",
        "publicly_reachable": "any",
        "reasons": "[]",
        "target": "cybertip",
        "enabled": "on",
    }
    response = client.post(f"/admin/casework/routingrule/{rule.pk}/change/", form)
    assert response.status_code == 302, response.content
    assert targets(case) == {}
    assert targets(filed_case(13, jurisdiction="MX", url=None)) == {
        "cybertip": "Canada, or a Mexican nexus (rule 50)"
    }
    refused = client.post(
        f"/admin/casework/routingrule/{rule.pk}/change/", form | {"target": "nowhere"}
    )
    assert refused.status_code == 200  # the form names the unknown hotline
    assert RoutingRule.objects.get(pk=rule.pk).target == "cybertip"
    not_a_list = client.post(
        f"/admin/casework/routingrule/{rule.pk}/change/", form | {"jurisdictions": '"US"'}
    )
    assert b"A list of strings" in not_a_list.content
    assert RoutingRule.objects.get(pk=rule.pk).jurisdictions == ["MX"]


def test_the_approval_form_shows_each_rule_and_the_webhook(settings):
    settings.WEBHOOK_URL = ""
    case = filed_case(14, jurisdiction="CA", url="https://x.example.test/c")
    reviewer = make_user("rev-14", roles.REVIEWER)
    claims.claim_next_case(user=reviewer, queue=case.queue)
    decisions.record_decision(case_id=case.pk, user=reviewer, verdict="csam_confirmed")
    page = signed_in(make_user("lead-14", roles.ESCALATION_LEAD)).get(
        reverse("case", args=[case.pk])
    )
    text = page.content.decode()
    assert "(routed: a report has a Canadian nexus (jurisdiction CA) (rule 50))" in text
    assert "(routed: the content is publicly reachable" in text
    assert "UK NCA (portal, by hand)" in text
    assert "<code>WEBHOOK_URL</code> is not set" in text


def test_the_default_rules_come_back_when_the_table_is_empty():
    RoutingRule.objects.all().delete()
    assert "cybertip" in targets(filed_case(15, jurisdiction="CA", url=None))
    assert RoutingRule.objects.count() == 5


def test_a_service_exempt_from_the_nca_when_reporting_to_ncmec_routes_to_ncmec_only(settings):
    settings.SERVICE_COUNTRY = "GB"
    case = filed_case(90, jurisdiction="US", url=None)
    assert sorted(targets(case)) == ["nca", "ncmec"]
    settings.NCA_ALSO_WHEN_NCMEC = False
    assert sorted(targets(case)) == ["ncmec"]
    assert sorted(targets(filed_case(91, jurisdiction="GB", url=None))) == ["nca"]
