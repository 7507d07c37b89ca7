"""Sharing policies, evaluated: which policy covers a facility, what of a custody event may be published, what of a
person may be, whether a detainer is answered, and the policy file read with its errors by line.

Pure but for reading the file (``load_policy_file``) and ``policies.enforcement`` (the file in force in a process,
its loads in the audit trail), so both deployables call it: ingest at intake (before anything is stored or
published), the notifier where it raises alerts. Neither imports the other; this
package imports neither. The file's model is ``contracts.policies``.
"""

from policies.conditions import BookingFacts, Judged, describe_condition, judge_condition
from policies.detainers import DetainerTerms, judge_detainer
from policies.disclosure import (
    BookingDisclosure,
    Disclosure,
    HeldCount,
    disclose,
    judge_inferred_release,
    share_verdict,
)
from policies.dry_run import DryRun, JudgedEvent, dry_run
from policies.identity import StrippedPerson, strip_person
from policies.in_force import PoliciesInForce, PolicyChange
from policies.loading import LoadedPolicies, PolicyFileError, PolicyProblem, load_policy_file, read_policy_text
from policies.selection import PolicyBook
from policies.verdicts import NO_POLICY, Verdict
from policies.wording import explain_policy

__all__ = [
    "NO_POLICY",
    "BookingDisclosure",
    "BookingFacts",
    "DetainerTerms",
    "Disclosure",
    "DryRun",
    "HeldCount",
    "Judged",
    "JudgedEvent",
    "LoadedPolicies",
    "PoliciesInForce",
    "PolicyBook",
    "PolicyChange",
    "PolicyFileError",
    "PolicyProblem",
    "StrippedPerson",
    "Verdict",
    "describe_condition",
    "disclose",
    "dry_run",
    "explain_policy",
    "judge_condition",
    "judge_detainer",
    "judge_inferred_release",
    "load_policy_file",
    "read_policy_text",
    "share_verdict",
    "strip_person",
]
