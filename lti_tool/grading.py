"""The grade the platform's gradebook receives, for the tool's quizzes, SCORM SCOs and cmi5 AUs alike
(docs/decisions/0024-attempts-and-the-grade-sent.md).

ONE rule, applied where scores are queued: each graded thing (a quiz, a SCO, an AU) has a series of attempts;
only attempts with a result (completed, passed or failed) count; the resource link's grading policy (custom
parameter `grading=best|last|first|average`, best by default) turns them into one outcome. An attempt that is
merely open (a package reopened, a new attempt just started) counts nothing, so leaving an activity never lowers
what was sent; only an attempt the learner asked for and finished can, and only under `last` or `average`.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Sequence

from sqlalchemy.orm import Session

from lti_tool.identity import LaunchContext
from lti_tool.models import LtiResourceLink, OutboxMessage, utcnow

AGS_SCORE = "ags_score"


class Policy(StrEnum):
    """How the attempts at one graded thing make its grade (Moodle's "grading method" names the same four)."""

    BEST = "best"
    LAST = "last"
    FIRST = "first"
    AVERAGE = "average"


def policy_of(value: Any) -> Policy | None:
    """The policy a custom parameter names (case and spaces ignored); None for anything else."""
    text = value.strip().lower() if isinstance(value, str) else ""
    return Policy(text) if text in {p.value for p in Policy} else None


@dataclass(frozen=True)
class Outcome:
    """The result of one attempt: scaled score (0..1, None when the content gave none), completion, success."""

    scaled: float | None
    completed: bool = False
    passed: bool | None = None
    """True passed, False failed, None not decided."""

    @property
    def decided(self) -> bool:
        """The attempt has a result a gradebook can take; an open, incomplete attempt has none."""
        return self.completed or self.passed is not None

    @property
    def value(self) -> float:
        """The score this outcome is worth: its scaled score, else 1 for passed or completed, 0 otherwise."""
        if self.scaled is not None:
            return max(0.0, min(1.0, self.scaled))
        return 1.0 if self.passed or (self.passed is None and self.completed) else 0.0


def combine(policy: Policy, outcomes: Sequence[Outcome]) -> Outcome | None:
    """The outcome that stands for a series of attempts (oldest first) under `policy`. Only decided attempts
    count; with none, the latest attempt stands (it is all there is, and nothing was graded yet)."""
    decided = [o for o in outcomes if o.decided]
    if not decided:
        return outcomes[-1] if outcomes else None
    if policy is Policy.FIRST:
        return decided[0]
    if policy is Policy.LAST:
        return decided[-1]
    if policy is Policy.AVERAGE:
        return Outcome(round(sum(o.value for o in decided) / len(decided), 4),
                       completed=any(o.completed for o in decided),
                       passed=any(o.passed for o in decided) or
                       (False if any(o.passed is False for o in decided) else None))
    return max(decided, key=lambda o: (o.value, o.passed is True, o.completed))  # first of equals: max is stable


def link_policy(session: Session, resource_link_pk: int | None) -> Policy:
    """The grading policy of a resource link (best when it names none)."""
    link = session.get(LtiResourceLink, resource_link_pk) if resource_link_pk is not None else None
    return policy_of(link.grading if link is not None else None) or Policy.BEST


def queue_score(session: Session, launch: LaunchContext, *, given: float, completed: bool, graded: bool,
                label: str, resource_id: str) -> None:
    """Queue the link's grade (0..100) for the platform's gradebook (AGS); the worker sends it with retries.
    Callers compute `given` with `combine`, so what is queued never drops without a finished new attempt."""
    if launch.resource_link_pk is None:
        return
    score = {
        "userId": launch.user_sub,
        "scoreGiven": round(max(0.0, min(100.0, given)), 2),
        "scoreMaximum": 100,
        "activityProgress": "Completed" if completed else "InProgress",
        "gradingProgress": "FullyGraded" if graded else "Pending",
        "timestamp": utcnow().isoformat(timespec="milliseconds"),
    }
    session.add(OutboxMessage(kind=AGS_SCORE, platform_id=launch.platform_pk, payload={
        "resource_link_pk": launch.resource_link_pk, "score": score, "label": label, "resource_id": resource_id}))
