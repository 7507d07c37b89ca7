"""`GET /v1/policies` and `GET /v1/policies/{ori}`: the sharing policies in force, as sources and operators read them.

Operators read every policy; a source reads only the policies that apply to the facilities it submits for (a
source key listing no facility submits for any, and reads them all). Field offices read none.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field

from contracts.fields import Ori
from contracts.policies import JurisdictionPolicy
from ingest.auth import Principal, Role, require_role
from ingest.dependencies import get_policies
from ingest.openapi import problem_responses
from ingest.problems import FieldError, Problem
from policies import explain_policy
from policies.enforcement import PolicyEnforcement

__all__ = ["router"]

router = APIRouter(prefix="/v1/policies", tags=["sharing policies"])


class PoliciesInForce(BaseModel):
    """The sharing policies enforced at intake, as the caller may read them."""

    digest: str | None = Field(
        description="The policy file's digest (`sha256:...`), as the audit trail records it; null: no policy "
        "file, every facility shares everything."
    )
    policies: list[JurisdictionPolicy] = Field(
        description="By jurisdiction. A source reads only those applying to its facilities."
    )


class FacilityPolicy(BaseModel):
    """The sharing policy that applies to one facility (the most specific one covering it)."""

    facility_ori: str
    digest: str | None = Field(description="The policy file's digest (`sha256:...`).")
    policy: JurisdictionPolicy
    explained: list[str] = Field(
        description="The policy rule by rule, in words, with the name each rule is counted by."
    )


def _readable(principal: Principal, enforcement: PolicyEnforcement) -> list[JurisdictionPolicy]:
    every = sorted(enforcement.book.file.policies, key=lambda policy: policy.jurisdiction)
    if principal.role is Role.OPERATOR or not principal.facilities:
        return every
    applying = {policy.jurisdiction for ori in principal.facilities if (policy := enforcement.book.policy_for(ori))}
    return [policy for policy in every if policy.jurisdiction in applying]


@router.get(
    "",
    response_model=PoliciesInForce,
    summary="The sharing policies in force",
    description="Operators read every policy; a source only those that apply to its own facilities.",
    responses=problem_responses(401, 403),
)
async def list_policies(
    principal: Annotated[Principal, require_role(Role.SOURCE)],
    enforcement: Annotated[PolicyEnforcement, Depends(get_policies)],
) -> PoliciesInForce:
    return PoliciesInForce(digest=enforcement.digest, policies=_readable(principal, enforcement))


@router.get(
    "/{ori}",
    response_model=FacilityPolicy,
    summary="The sharing policy that applies to a facility",
    description=(
        "The most specific policy covering the facility (its own, else its county's, else its state's), and "
        "what it says in words. 404 when no policy covers the facility: it shares everything. A source reads "
        "only its own facilities' (403 for another)."
    ),
    responses=problem_responses(401, 403, 404, 422),
)
async def facility_policy(
    ori: Annotated[Ori, Path(description="The facility's ORI.")],
    principal: Annotated[Principal, require_role(Role.SOURCE)],
    enforcement: Annotated[PolicyEnforcement, Depends(get_policies)],
) -> FacilityPolicy:
    if not principal.may_submit_for(ori):
        raise Problem(
            "forbidden",
            "This API key may read only the policies of the facilities it submits for.",
            errors=[FieldError("#/path/ori", "is not a facility this key submits for")],
        )
    policy = enforcement.book.policy_for(ori)
    if policy is None:
        raise Problem(
            "not-found",
            f"No sharing policy covers {ori}: it shares everything.",
            errors=[FieldError("#/path/ori", "no sharing policy covers this facility (its own, county or state)")],
        )
    return FacilityPolicy(
        facility_ori=ori,
        digest=enforcement.digest,
        policy=policy,
        explained=explain_policy(enforcement.book, policy),
    )
