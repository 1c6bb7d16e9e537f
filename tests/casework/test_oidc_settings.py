"""The single sign-on settings, read and checked at start-up, and the rules that turn an ID
token's claims into a role and a second factor."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from casework import roles
from casework.env import parse_oidc_role_map
from casework.oidc import people
from tests.casework.test_settings import KEY, SECRET, python, start_settings_environment

OIDC = {
    "OIDC_ISSUER": "https://idp.example.invalid/",
    "OIDC_CLIENT_ID": "casework",
    "OIDC_CLIENT_SECRET": "client-secret",
    "OIDC_ROLE_CLAIM": "groups",
    "OIDC_ROLE_MAP": "t&s-leads=escalation_lead,t&s=reviewer",
}
PRINT_OIDC = (
    "from django.conf import settings; "
    "print(settings.OIDC_ISSUER, settings.OIDC_ROLE_MAP, settings.OIDC_PROVIDER_NAME)"
)


def started(**env: str):
    base = start_settings_environment() | {"SECRET_KEY": SECRET, "EVIDENCE_KEYS": KEY}
    return python({**base, **env}, "-c", PRINT_OIDC)


def test_oidc_is_off_without_an_issuer():
    result = started()
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["()"]  # no issuer, no map, no name


def test_oidc_settings_are_read_and_the_map_parsed():
    result = started(**OIDC)
    assert result.returncode == 0, result.stderr
    role_map = "(('t&s-leads', 'escalation_lead'), ('t&s', 'reviewer'))"
    assert f"https://idp.example.invalid {role_map}" in result.stdout
    assert result.stdout.split()[-1] == "idp.example.invalid"


@pytest.mark.parametrize(
    "missing", ["OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OIDC_ROLE_CLAIM", "OIDC_ROLE_MAP"]
)
def test_an_issuer_without_the_rest_refuses_to_start(missing):
    result = started(**{**OIDC, missing: ""})
    assert result.returncode != 0
    assert f"{missing} must be set when OIDC_ISSUER is set" in result.stderr


def test_a_bad_role_map_refuses_to_start_naming_the_setting():
    result = started(**{**OIDC, "OIDC_ROLE_MAP": "t&s=superhero"})
    assert result.returncode != 0
    assert "OIDC_ROLE_MAP maps 't&s' to 'superhero', which is not a role" in result.stderr


def test_role_map_parsing():
    assert parse_oidc_role_map(" a = reviewer , b=admin,", roles.ROLES) == (
        ("a", "reviewer"),
        ("b", "admin"),
    )
    assert parse_oidc_role_map("x=y=auditor", roles.ROLES) == (("x=y", "auditor"),)
    for bad, words in [
        ("reviewer", "must look like group=role"),
        ("=reviewer", "must look like group=role"),
        ("a=reviewer,a=admin", "lists the group 'a' twice"),
        (" , ", "maps no group"),
    ]:
        with pytest.raises(ImproperlyConfigured, match=words):
            parse_oidc_role_map(bad, roles.ROLES)


@pytest.mark.parametrize(
    ("amr", "mfa"),
    [
        (["pwd", "mfa"], True),
        (["pwd", "otp"], True),
        (["hwk"], True),
        (["face"], True),
        (["pin", "swk"], True),
        (["pwd"], False),
        (["pin"], False),
        ([], False),
        (None, False),
        ("mfa", False),  # amr is a list of strings; anything else asserts nothing
    ],
)
def test_which_amr_counts_as_the_second_factor(amr, mfa):
    assert people.asserts_mfa(amr) is mfa


def test_groups_are_read_from_a_list_a_string_or_a_dotted_claim(settings):
    settings.OIDC_ROLE_CLAIM = "groups"
    assert people.claimed_groups({"groups": ["a", 3, "b"]}) == ["a", "b"]
    assert people.claimed_groups({"groups": "a"}) == ["a"]
    assert people.claimed_groups({}) == []
    settings.OIDC_ROLE_CLAIM = "realm_access.roles"
    assert people.claimed_groups({"realm_access": {"roles": ["lead"]}}) == ["lead"]


def test_the_first_listed_group_gives_the_role(settings):
    settings.OIDC_ROLE_MAP = (("leads", roles.ESCALATION_LEAD), ("staff", roles.REVIEWER))
    assert people.mapped_role(["staff", "leads"]) == roles.ESCALATION_LEAD
    assert people.mapped_role(["staff"]) == roles.REVIEWER
    assert people.mapped_role(["other"]) is None
