"""The conditions of a policy that depend on the detainer: its form, and a judicial warrant.

Custody events cannot be judged on them at intake (the same booking may match
several detainers, lodged before or after), so they are applied where alerts
are raised: the notifier raises no alert (a possible match included) for a
detainer the facility's policy does not answer.
"""

from __future__ import annotations

from typing import Protocol

from contracts import DetainerForm
from contracts.detainers import JudicialWarrant
from contracts.policies import JurisdictionPolicy
from policies.verdicts import NO_POLICY, Verdict, rule_of

__all__ = ["DetainerTerms", "judge_detainer"]


class DetainerTerms(Protocol):
    """What a policy looks at of a detainer (a stored ``Detainer``, or a compact index entry)."""

    @property
    def form(self) -> DetainerForm: ...

    @property
    def judicial_warrant(self) -> JudicialWarrant | None: ...


def _forms(forms: tuple[DetainerForm, ...]) -> str:
    return ", ".join(form.value for form in forms)


def judge_detainer(policy: JurisdictionPolicy | None, detainer: DetainerTerms) -> Verdict:
    """Whether the facility's policy answers ``detainer``: alerts may be raised for it (shared) or not."""
    if policy is None:
        return NO_POLICY
    if policy.detainer_forms is not None and detainer.form not in policy.detainer_forms:
        return Verdict(
            False,
            rule_of(policy, "detainer_forms"),
            f"this policy answers detainers on {_forms(policy.detainer_forms)} only; this one is on "
            f"{detainer.form.value}",
        )
    if policy.require_judicial_warrant and detainer.judicial_warrant is None:
        return Verdict(
            False,
            rule_of(policy, "require_judicial_warrant"),
            "this policy answers only detainers backed by a judicial warrant, and this one names none",
        )
    forms = "any form" if policy.detainer_forms is None else _forms(policy.detainer_forms)
    warrant = ", with a judicial warrant" if policy.require_judicial_warrant else ""
    return Verdict(True, rule_of(policy, "detainer_forms"), f"this policy answers detainers on {forms}{warrant}")
