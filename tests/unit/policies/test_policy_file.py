"""Reading a policy file: a good one is read whole, a bad one refused with every problem's line and reason."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from contracts import DetainerForm
from contracts.detainers import JudicialWarrant
from contracts.policies import IdentityField, PolicyFile
from policies import (
    PoliciesInForce,
    PolicyBook,
    PolicyFileError,
    explain_policy,
    judge_detainer,
    load_policy_file,
    read_policy_text,
)
from tests.unit.policies.builders import ALL_SHARED, SERIOUS_FELONIES, book, one_policy, policy


def _refusal(text: str) -> list[str]:
    with pytest.raises(PolicyFileError) as refused:
        read_policy_text(textwrap.dedent(text).encode(), source="policies.yaml")
    return [str(problem) for problem in refused.value.problems]


def test_the_example_policy_reads_as_written() -> None:
    county = policy(SERIOUS_FELONIES)

    assert county.name == "County policy 2026-14 (release notice for serious felonies)"
    assert county.share.booking.always is False
    assert county.share.transfer.always is True
    assert county.share.release.when is not None
    assert county.identity_fields is not None
    assert IdentityField.PLACE_OF_BIRTH not in county.identity_fields
    assert county.detainer_forms == (DetainerForm.I_247A, DetainerForm.I_247N)


def test_a_policy_served_as_json_reads_back_the_same() -> None:
    loaded = read_policy_text(SERIOUS_FELONIES.encode()).policies

    served = loaded.model_dump(mode="json", exclude_none=True)

    assert served["policies"][0]["share"]["booking"] is False
    assert served["policies"][0]["share"]["release"] == {"when": {"any_charge": {"severity": ["felony"]}}}
    assert PolicyFile.model_validate(served) == loaded


def test_the_digest_names_the_file_content(tmp_path: Path) -> None:
    path = tmp_path / "policies.yaml"
    path.write_text(SERIOUS_FELONIES)
    first = load_policy_file(path)
    path.write_text(SERIOUS_FELONIES.replace("transfer: true", "transfer: false"))

    second = load_policy_file(path)

    assert first.digest.startswith("sha256:")
    assert len(first.digest) == len("sha256:") + 64
    assert first.digest != second.digest
    assert read_policy_text(SERIOUS_FELONIES.encode()).digest == first.digest
    assert first.source == str(path)


def test_an_empty_file_has_no_policies_and_every_facility_shares_everything() -> None:
    assert PolicyBook(read_policy_text(b"").policies).policy_for("CA0194200") is None


def test_numbers_stay_as_written_so_an_ncic_code_with_a_leading_zero_is_that_code() -> None:
    rules = one_policy(ALL_SHARED, never_share="[{any_charge: {ncic_code: [0131, 0900]}}]")

    condition = rules.never_share[0].any_charge
    assert condition is not None
    assert condition.ncic_code == ("0131", "0900")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            """
            policies:
              - jurisdiction: CA0194200
                name: x
                share: {booking: false, release_scheduled: true, release: true}
            """,
            "line 5: policies[0] (CA0194200).share: transfer is missing: say whether transfers are shared",
        ),
        (
            """
            policies:
              - jurisdiction: CA0194200
                name: x
                share: {booking: maybe, release_scheduled: true, release: true, transfer: true}
            """,
            "line 5: policies[0] (CA0194200).share.booking: must be true (always shared), false (never shared) or "
            "when:",
        ),
        (
            """
            policies:
              - jurisdiction: CA0194200
                name: x
                share:
                  booking: true
                  release_scheduled: {when: {any_charge: {severty: [felony]}}}
                  release: true
                  transfer: true
            """,
            "line 7: policies[0] (CA0194200).share.release_scheduled.when.any_charge: severty is not a key a policy "
            "has here (a typo?)",
        ),
        (
            """
            policies:
              - jurisdiction: CA0194200
                name: x
                share: {booking: true, release_scheduled: true, release: true, transfer: true}
                identity_fields: [last_name, first_name, sex]
            """,
            "line 3: policies[0] (CA0194200): must include date_of_birth: a person is never shared without a name",
        ),
        (
            """
            policies:
              - jurisdiction: CA0194200
                name: x
                share: {booking: true, release_scheduled: true, release: true, transfer: true}
                identity_fields: [last_name, first_name, date_of_birth, sex, ssn]
            """,
            "line 6: policies[0] (CA0194200).identity_fields[4]: Input should be 'last_name'",
        ),
        (
            """
            policies:
              - jurisdiction: CA019420
                name: x
                share: {booking: true, release_scheduled: true, release: true, transfer: true}
            """,
            "line 3: policies[0] (CA019420).jurisdiction: must be a state (CA), a county's ORI prefix (CA019",
        ),
        (
            """
            policies:
              - jurisdiction: QQ019
                name: x
                share: {booking: true, release_scheduled: true, release: true, transfer: true}
            """,
            "line 3: policies[0] (QQ019).jurisdiction: must start with a USPS state or territory code",
        ),
        (
            """
            policies:
              - jurisdiction: CA0194200
                name: x
                share: {booking: true, release_scheduled: true, release: {when: {}}, transfer: true}
            """,
            "line 5: policies[0] (CA0194200).share.release.when: must name at least one of any_charge, no_charge, "
            "juvenile or any_of",
        ),
        (
            """
            policies:
              - jurisdiction: CA0194200
                name: x
                share: {booking: true, release_scheduled: true, release: true, transfer: true}
                never_share:
                  - any_charge: {ncic_code: [13]}
            """,
            "line 7: policies[0] (CA0194200).never_share[0].any_charge.ncic_code[0]: must be a 4-digit NCIC offense "
            "code (1313) or a family of codes with x for any digit (13xx, 131x)",
        ),
        (
            """
            policies:
              - jurisdiction: CA0194200
                name: x
                share: {booking: true, release_scheduled: true, release: true, transfer: true}
                share: {booking: false, release_scheduled: true, release: true, transfer: true}
            """,
            "line 6: policies[0] (CA0194200).share: is given twice (first on line 5)",
        ),
        (
            """
            policies:
              - jurisdiction: CA019
                name: x
                share: {booking: true, release_scheduled: true, release: true, transfer: true}
              - jurisdiction: CA019
                name: y
                share: {booking: true, release_scheduled: true, release: true, transfer: true}
            """,
            "line 6: policies[1] (CA019).jurisdiction: CA019 has two policies (entries 0 and 1): one policy per "
            "jurisdiction",
        ),
        (
            """
            policies:
              - jurisdiction: CA019
                name: [x
            """,
            "line 5: is not valid YAML",
        ),
        ("- jurisdiction: CA019\n", "line 1: must be a mapping whose one key is policies:"),
        ("policies: []\n---\npolicies: []\n", "holds several YAML documents"),
    ],
)
def test_a_bad_file_is_refused_naming_the_line_and_the_reason(text: str, expected: str) -> None:
    problems = _refusal(text)

    assert any(problem.startswith(expected) for problem in problems), problems


def test_every_problem_of_a_file_is_told_at_once_in_line_order() -> None:
    problems = _refusal(
        """
        policies:
          - jurisdiction: CA0194200
            name: x
            share: {booking: maybe, release_scheduled: true, release: true, transfer: true}
            detainer_forms: [I-247Z]
          - jurisdiction: TX
            name: y
            share: {booking: true, release_scheduled: true, release: true, transfer: true, transfer: false}
        """
    )

    assert [problem.split(":")[0] for problem in problems] == ["line 5", "line 6", "line 9"]


def test_the_refusal_reads_as_one_message_naming_the_file() -> None:
    with pytest.raises(PolicyFileError) as refused:
        read_policy_text(b"policies:\n  - jurisdiction: CA\n", source="/etc/releasewatch/policies.yaml")

    message = str(refused.value)
    assert message.startswith("/etc/releasewatch/policies.yaml: 2 problems, the policy file is refused")
    assert "\n  line 2: policies[0] (CA): name is missing" in message


def test_a_file_that_cannot_be_read_is_refused_saying_so(tmp_path: Path) -> None:
    with pytest.raises(PolicyFileError) as refused:
        load_policy_file(tmp_path / "absent.yaml")

    assert "cannot be read" in str(refused.value)


def test_an_alias_that_refers_to_itself_is_refused() -> None:
    assert any("refers to itself" in problem for problem in _refusal("policies: &loop [*loop]\n"))


class TestWhichPolicyApplies:
    BOOK = book(
        """
        policies:
          - {jurisdiction: CA, name: State, share: {booking: true, release_scheduled: true, release: true, transfer: true}}
          - {jurisdiction: CA019, name: County, share: {booking: false, release_scheduled: true, release: true, transfer: true}}
          - {jurisdiction: CA0194200, name: Jail, share: {booking: false, release_scheduled: false, release: true, transfer: true}}
        """  # noqa: E501
    )

    @pytest.mark.parametrize(
        ("facility", "applies"),
        [
            ("CA0194200", "Jail"),
            ("CA0190000", "County"),
            ("CA0200000", "State"),
            ("CA0914200", "State"),  # another county whose code shares digits with the first
            ("TX0194200", None),
        ],
    )
    def test_the_most_specific_policy_covering_the_facility_applies(self, facility: str, applies: str | None) -> None:
        found = self.BOOK.policy_for(facility)

        assert (found.name if found else None) == applies

    def test_the_explanation_says_which_policies_a_policy_replaces_and_which_replace_it(self) -> None:
        county = self.BOOK.policy_for("CA0190000")
        assert county is not None

        told = "\n".join(explain_policy(self.BOOK, county))

        assert "applies to every facility whose ORI starts CA019 (one county)" in told
        assert "in place of CA (State)" in told
        assert "except where a more specific policy applies: CA0194200" in told


def test_each_rule_is_explained_in_words_with_the_name_it_is_counted_by() -> None:
    rules = one_policy(
        "{booking: false, release_scheduled: {when: {any_charge: {severity: [felony], ncic_code: [13xx]}}}, "
        "release: true, transfer: true}",
        never_share="[{juvenile: true}]",
        identity_fields="[last_name, first_name, date_of_birth, sex, a_number]",
        require_judicial_warrant="true",
        detainer_forms="[I-247A]",
    )

    told = explain_policy(PolicyBook(PolicyFile(policies=(rules,))), rules)

    assert told[0] == "CA0194200: Test policy"
    assert (
        "  [CA0194200 never_share[0]] nothing about a booking is shared when the person was under 18 when booked"
        in told
    )
    assert "  [CA0194200 share.booking] in-custody notices (booking): never shared" in told
    assert (
        "  [CA0194200 share.release_scheduled] release schedules (release_scheduled): shared only when a charge known "
        "for the booking is a felony and has NCIC code 13xx"
    ) in told
    assert (
        "  identity stripped before anything is stored or published, and kept nowhere: middle_name, place_of_birth, "
        "aliases, fbi_number, state_id (also an alias's middle name)"
    ) in told
    assert "  [CA0194200 detainer_forms] alerts only for detainers on I-247A" in told
    assert "  [CA0194200 require_judicial_warrant] alerts only for detainers backed by a judicial warrant" in told


class TestDetainerTerms:
    class Terms:
        def __init__(self, form: DetainerForm, warrant: JudicialWarrant | None = None) -> None:
            self.form = form
            self.judicial_warrant = warrant

    WARRANT = JudicialWarrant(court="U.S. District Court, C.D. Cal.", reference="2:26-mj-01234")

    def test_a_detainer_on_a_form_the_policy_does_not_answer_raises_no_alert(self) -> None:
        verdict = judge_detainer(policy(), self.Terms(DetainerForm.OTHER))

        assert not verdict.shared
        assert verdict.rule is not None
        assert verdict.rule.rule == "CA0194200 detainer_forms"
        assert "answers detainers on I-247A, I-247N only; this one is on other" in verdict.reason

    def test_a_detainer_without_a_judicial_warrant_is_not_answered_where_one_is_required(self) -> None:
        rules = one_policy(ALL_SHARED, require_judicial_warrant="true")

        refused = judge_detainer(rules, self.Terms(DetainerForm.I_247A))
        answered = judge_detainer(rules, self.Terms(DetainerForm.I_247A, self.WARRANT))

        assert not refused.shared
        assert refused.rule is not None
        assert refused.rule.rule == "CA0194200 require_judicial_warrant"
        assert answered.shared

    def test_an_empty_list_of_forms_answers_no_detainer(self) -> None:
        assert not judge_detainer(one_policy(ALL_SHARED, detainer_forms="[]"), self.Terms(DetainerForm.I_247A)).shared

    def test_without_a_policy_or_with_no_detainer_terms_every_detainer_is_answered(self) -> None:
        assert judge_detainer(None, self.Terms(DetainerForm.OTHER)).shared
        assert judge_detainer(one_policy(ALL_SHARED), self.Terms(DetainerForm.OTHER)).shared


class TestPoliciesInForce:
    def test_a_service_loads_the_file_at_start_and_a_reload_tells_the_change_with_both_digests(
        self, tmp_path: Path
    ) -> None:
        path = tmp_path / "policies.yaml"
        path.write_text(SERIOUS_FELONIES)
        in_force = PoliciesInForce(path)

        first = in_force.load()
        unchanged = in_force.load()
        path.write_text(SERIOUS_FELONIES.replace("transfer: true", "transfer: false"))
        second = in_force.load()

        assert first is not None
        assert (first.previous_digest, first.policies) == (None, 1)
        assert unchanged is None
        assert second is not None
        assert second.previous_digest == first.digest
        assert second.digest == in_force.digest != first.digest
        county = in_force.book.policy_for("CA0194200")
        assert county is not None
        assert county.share.transfer.always is False

    def test_a_bad_file_on_reload_is_refused_and_the_policies_in_force_stay(self, tmp_path: Path) -> None:
        path = tmp_path / "policies.yaml"
        path.write_text(SERIOUS_FELONIES)
        in_force = PoliciesInForce(path)
        in_force.load()
        digest = in_force.digest
        path.write_text("policies:\n  - jurisdiction: CA0194200\n")

        with pytest.raises(PolicyFileError):
            in_force.load()

        assert in_force.digest == digest
        assert in_force.book.policy_for("CA0194200") is not None

    def test_without_a_file_every_facility_shares_everything(self) -> None:
        in_force = PoliciesInForce(None)

        assert in_force.load() is None
        assert in_force.book.policy_for("CA0194200") is None
