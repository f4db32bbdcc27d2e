"""Imported SCORM packages played through LTI: sessions and commits, ONE transaction per call.

A commit (the CMI data scorm-again posts) updates the learner's attempt, stores the xAPI statements it means
(scorm.cmi_xapi) in the embedded LRS, and queues the score for the platform's gradebook (AGS outbox), like
lti_tool.progress does for our own curricula. A resource link opens a package when its `course` custom
parameter is `pkg:<package id>`.
"""
from __future__ import annotations

import base64
import dataclasses
import json
import secrets
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session, defer

from lti_tool.config import Settings
from lti_tool.db import Database
from lti_tool.identity import LaunchContext
from lti_tool.lrs import tool_authority
from lti_tool.grading import Outcome, Policy, combine, link_policy, queue_score
from lti_tool.models import utcnow
from lti_tool.progress import NoContent
from scorm.cmi_xapi import commit_statements, is_review, read_cmi, read_objectives
from scorm.runtime_data import SessionStart, initial_cmi
from scorm.models import ScormAttempt, ScormPackage, ScormSco
from scorm.tenancy import visible_package, visible_to
from scorm.sequencing import NAV_REQUESTS, Decision, LeafRecord, NavigationRefused, Tree, parse_nav_request
from scorm.cmi5_launch import (LAUNCH_DATA, OUTCOME_VERBS, au_outcome, context_template, launch_data, launch_url,
                               launched_statement, move_on_met, satisfied_statement)
from xapi import documents
from xapi.builders import CourseStatements, actor
from xapi.clients import add_client, disable_client
from xapi.identity import agent_key
from xapi.service import statements_by_registration, store_statements
from xapi.vocabulary import Cmi5, Extension, Verb

PACKAGE_PREFIX = "pkg:"


class CommitRefused(PermissionError):
    """The commit is for an attempt of someone else, or of a session already terminated."""


class Cmi5Unavailable(LookupError):
    """The AU cannot be launched here (no embedded LRS), or a fetch URL was used twice / is unknown."""


@dataclass(frozen=True)
class Links:
    """The URLs the playback hands out, made by the web layer (this module knows no Flask)."""

    content: Callable[[str, str], str]
    """(package id, item href) -> the absolute URL of the package file (a content token in it), parameters kept."""
    sco: Callable[[str, str], str]
    """(package id, item href) -> where a SCO opens: its content URL, or a page that frames it and holds the API."""
    fetch: Callable[[int, str], str]
    """cmi5: (attempt id, nonce) -> the absolute one-time fetch URL of the AU's auth token."""
    back: str
    """cmi5 launchMethod OwnWindow: the absolute URL the AU sends the learner back to (returnURL)."""


@dataclass(frozen=True)
class OpenedSession:
    """A SCO or cmi5 AU the learner opens now: what the player needs to show it, computed once."""

    attempt_id: int
    sco_id: int
    url: str
    cmi: dict | None = None
    """The CMI data scorm-again starts from (None for a cmi5 AU: it reports to the LRS itself)."""
    menu: dict | None = None
    own_window: bool = False
    """cmi5 launchMethod OwnWindow: the AU opens in a window of its own, not in the player's frame."""
    review: bool = False
    """A finished attempt opened again for review (SCORM cmi.mode review, cmi5 launchMode Review): nothing of
    the session is graded; the learner may ask for a new attempt."""


@dataclass(frozen=True)
class NoDelivery:
    """A navigation request that opens no SCO (exit, suspendAll, continue past the last activity)."""

    reason: str
    ended: bool
    menu: dict | None = None
    own_window_sco: int | None = None
    """A cmi5 OwnWindow AU that `start` would deliver, left for the learner's click: a window opened without one
    is blocked, and the player loads again when the AU's returnURL brings the learner back (a launch then would
    be one the learner never asked for)."""


def imported_packages(db: Database, platform_pk: int) -> list[tuple[str, str]]:
    """(id, title) of every imported package this platform may link (scorm.tenancy), for the deep-linking picker."""
    with db.sessions() as session:
        return [(p.id, p.title) for p in session.scalars(select(ScormPackage).where(visible_to(platform_pk))
                                                          .order_by(ScormPackage.title))]


def package_id_of(launch: LaunchContext) -> str | None:
    course = launch.course_id or ""
    return course[len(PACKAGE_PREFIX):] if course.startswith(PACKAGE_PREFIX) else None


def runtime_version(kind: str) -> str:
    return kind if kind in ("scorm12", "cmi5") else "scorm2004"


def linked_package(session: Session, launch: LaunchContext) -> ScormPackage:
    package_id = package_id_of(launch)
    package = visible_package(session, package_id, launch.platform_pk) if package_id else None
    if package is None or launch.resource_link_pk is None:  # another platform's package: as if it did not exist
        raise NoContent("This activity is not linked to an imported SCORM package.")
    return package


def _builder(settings: Settings, launch: LaunchContext, package: ScormPackage, registration: str) -> CourseStatements:
    return CourseStatements(
        base_iri=settings.activity_iri_base, course_id=f"pkg-{package.id}", registration=registration,
        learner=launch.learner(),
        with_names=settings.actor_names, course_title={"und": package.title}, language=launch.locale)


def _session_start(launch: LaunchContext, sco: ScormSco, attempt: ScormAttempt | None, *,
                   review: bool = False) -> SessionStart:
    """The learner, the item's manifest data and how this session of `attempt` (None: a new one) opens. The SCO
    is given the name the platform shared with the tool (xAPI statements carry it only with MIRCO_ACTOR_NAMES)."""
    entry = "" if review else "ab-initio" if attempt is None or not attempt.sessions else \
        "resume" if attempt.suspended else ""
    return SessionStart(learner_id=launch.user_sub, learner_name=launch.name or "", entry=entry, review=review,
                        total_seconds=attempt.total_seconds if attempt is not None else 0.0, mastery=sco.mastery,
                        item=sco.extra or {})


def sequenced(package: ScormPackage) -> bool:
    """SCORM 2004 packages are sequenced (IMS Simple Sequencing); SCORM 1.2 ones let the learner open any SCO."""
    return package.kind.startswith("scorm2004")


def _organization_scos(session: Session, package: ScormPackage) -> list[ScormSco]:
    return list(session.scalars(select(ScormSco).where(
        ScormSco.package_id == package.id, ScormSco.organization == package.default_organization)
        .order_by(ScormSco.position)))


def outcome_of(attempt: ScormAttempt) -> Outcome:
    """A SCO attempt's result as lti_tool.grading weighs it."""
    return Outcome(attempt.score_scaled, attempt.completion == "completed",
                   {"passed": True, "failed": False}.get(attempt.success))


def _attempts_by_sco(session: Session, launch: LaunchContext, package: ScormPackage) -> dict[int, list[ScormAttempt]]:
    """This learner's attempts at each SCO of the package, oldest first. Their CMI data (up to megabytes each) is
    read only for the attempts that need it: combining attempts takes their status and score columns."""
    found: dict[int, list[ScormAttempt]] = {}
    for attempt in session.scalars(select(ScormAttempt).options(defer(ScormAttempt.cmi)).where(
            ScormAttempt.user_pk == launch.user_pk, ScormAttempt.resource_link_pk == launch.resource_link_pk,
            ScormAttempt.package_id == package.id).order_by(ScormAttempt.number)):
        found.setdefault(attempt.sco_id, []).append(attempt)
    return found


def _record(attempts: list[ScormAttempt], policy: Policy | None) -> LeafRecord:
    """A SCO's record for sequencing: its latest attempt (navigation), or with `policy` (the grade) the status
    and measure of the attempts combined by the link's grading policy."""
    latest = attempts[-1]
    record = LeafRecord(attempts=latest.number, completion=latest.completion, success=latest.success,
                        measure=latest.score_scaled, ended=latest.finished, open=not latest.finished,
                        objectives=read_objectives(latest.cmi))
    chosen = combine(policy, [outcome_of(a) for a in attempts]) if policy is not None else None
    if chosen is None or not chosen.decided:
        return record
    return dataclasses.replace(record, completion="completed" if chosen.completed else latest.completion,
                               success={True: "passed", False: "failed"}.get(chosen.passed, "unknown"),
                               measure=chosen.scaled, ended=True, open=False)


def sequencing_tree(session: Session, launch: LaunchContext, package: ScormPackage,
                    scos: list[ScormSco] | None = None, *, graded_by: Policy | None = None) -> Tree:
    """The default organization's activity tree with this learner's latest attempt at each SCO (or, for the
    grade, the attempts combined by `graded_by`)."""
    scos = scos if scos is not None else _organization_scos(session, package)
    by_pk = {s.id: s.identifier for s in scos}
    records = {by_pk[sco_id]: _record(attempts, graded_by)
               for sco_id, attempts in _attempts_by_sco(session, launch, package).items() if sco_id in by_pk}
    nodes = (package.sequencing or {}).get(package.default_organization)
    if nodes:
        return Tree(nodes, records)
    return Tree.flat(package.default_organization, package.title, [s.identifier for s in scos], records)


def menu_of(tree: Tree, scos: list[ScormSco]) -> dict[str, str]:
    """SCO primary key (as text, for JSON) -> enabled | disabled | hidden."""
    states = tree.menu()
    return {str(s.id): states.get(s.identifier, "enabled") for s in scos}


@dataclass(frozen=True)
class PlayerPage:
    """What the player page shows before any SCO opens."""

    title: str
    version: str
    scos: list[dict]
    """The default organization's items in order: id, title."""
    menu: dict[str, str]
    """SCORM 2004: each item's state in the table of contents (menu_of); empty when not sequenced (all enabled)."""
    flow: bool
    """The organization allows Continue / Previous."""
    cmi5: bool


def player_page(db: Database, launch: LaunchContext) -> PlayerPage:
    """The linked package's table of contents for this learner (one read of its items, one sequencing tree)."""
    with db.sessions() as session:
        package = linked_package(session, launch)
        scos = _organization_scos(session, package)
        tree = sequencing_tree(session, launch, package, scos) if sequenced(package) else None
        return PlayerPage(title=package.title, version=runtime_version(package.kind),
                          scos=[{"id": s.id, "title": s.title} for s in scos],
                          menu=menu_of(tree, scos) if tree is not None else {},
                          flow=tree is not None and tree.nodes[tree.root]["control"]["flow"],
                          cmi5=package.kind == "cmi5")


def navigate(db: Database, settings: Settings, launch: LaunchContext, request: str, links: Links, *,
             current: int | None = None, target: int | None = None,
             new_attempt: bool = False) -> OpenedSession | NoDelivery:
    """A navigation request from the player (its menu: a choice of `target`; its buttons) or from the SCO
    (adl.nav.request as it was set, `{target=ID}choice` included), decided by the package's sequencing, then the
    SCO or cmi5 AU it delivers is opened: one transaction, one read of the items, one sequencing tree (its menu
    is the learner's recorded results; opening an attempt records none). A finished attempt with a result opens
    for review unless the learner asked for a `new_attempt`."""
    request, named = parse_nav_request(request)
    if request not in NAV_REQUESTS:
        raise NavigationRefused(f"unknown navigation request {request!r}")
    with db.transaction() as session:
        package = linked_package(session, launch)
        scos = _organization_scos(session, package)
        by_pk = {s.id: s for s in scos}
        by_identifier = {s.identifier: s for s in scos}
        if named is not None:
            if named not in by_identifier:
                raise NavigationRefused(f"the activity asked for {named!r}, which is not an item of this package")
            target = by_identifier[named].id
        if target is not None and target not in by_pk:
            raise NoContent("This item is not part of the linked package.")
        menu = None
        if sequenced(package):
            tree = sequencing_tree(session, launch, package, scos)
            decision: Decision = tree.request(request, by_pk[current].identifier if current in by_pk else None,
                                              by_pk[target].identifier if target in by_pk else None)
            menu = menu_of(tree, scos)
            chosen = by_identifier.get(decision.deliver or "")
            if chosen is None:
                return NoDelivery(decision.reason or "nothing to deliver", decision.ended, menu)
        else:  # SCORM 1.2 and cmi5: any item can be opened; start opens the first one
            chosen = scos[0] if request == "start" and scos else None
            if request == "choice" and target is not None:
                chosen = by_pk[target]
            if chosen is None:
                return NoDelivery("the activity ended", request in ("exitAll", "suspendAll"))
        if package.kind == "cmi5":
            if request == "start" and _opens_own_window(chosen):
                return NoDelivery("", False, menu, own_window_sco=chosen.id)
            return _launch_au(session, settings, launch, package, chosen, links, new_attempt)
        return _open_sco(session, settings, launch, package, chosen, links, menu, new_attempt)


def _latest_attempt(session: Session, launch: LaunchContext, sco: ScormSco) -> ScormAttempt | None:
    return session.scalar(select(ScormAttempt).where(
        ScormAttempt.user_pk == launch.user_pk, ScormAttempt.resource_link_pk == launch.resource_link_pk,
        ScormAttempt.sco_id == sco.id).order_by(ScormAttempt.number.desc()).limit(1))


def _new_attempt(session: Session, launch: LaunchContext, sco: ScormSco, number: int,
                 registration: str) -> ScormAttempt:
    attempt = ScormAttempt(package_id=sco.package_id, sco_id=sco.id, user_pk=launch.user_pk,
                           resource_link_pk=launch.resource_link_pk, number=number, registration=registration,
                           cmi={}, completion="unknown", success="unknown", total_seconds=0.0, sessions=0,
                           suspended=False, finished=False)
    session.add(attempt)
    return attempt


def _open_sco(session: Session, settings: Settings, launch: LaunchContext, package: ScormPackage, sco: ScormSco,
              links: Links, menu: dict | None, new_attempt: bool = False) -> OpenedSession:
    """The learner opens a SCO: continue the open attempt (resume), review a finished one with a result, or
    start the next one (when the last ended without a result, or the learner asked); `initialized`."""
    version = runtime_version(package.kind)
    attempt = _latest_attempt(session, launch, sco)
    if attempt is not None and attempt.finished and outcome_of(attempt).decided and not new_attempt:
        loaded = initial_cmi(version, attempt.cmi, _session_start(launch, sco, attempt, review=True))
        return OpenedSession(attempt.id, sco.id, links.sco(package.id, sco.href), loaded, menu, review=True)
    resumed = attempt is not None and not attempt.finished
    if not resumed:
        attempt = _new_attempt(session, launch, sco, (attempt.number + 1) if attempt else 1, str(uuid.uuid4()))
    loaded = initial_cmi(version, attempt.cmi if resumed else None, _session_start(launch, sco, attempt))
    attempt.cmi = loaded  # the baseline the next commit is compared with: what the session starts from
    attempt.sessions += 1
    attempt.updated_at = utcnow()
    session.flush()
    builder = _builder(settings, launch, package, attempt.registration)
    statements = [builder.session_event(Verb.INITIALIZED, module_id=sco.identifier)]
    if resumed and attempt.suspended:
        statements.append(builder.session_event(Verb.RESUMED, module_id=sco.identifier))
    store_statements(session, statements, authority=tool_authority(settings))
    return OpenedSession(attempt.id, sco.id, links.sco(package.id, sco.href), loaded, menu)


def record_commit(db: Database, settings: Settings, launch: LaunchContext, attempt_id: int, cmi: Mapping[str, Any],
                  *, terminated: bool) -> ScormAttempt:
    """One commit from the runtime: update the attempt, store the statements, queue the grade if it changed."""
    with db.transaction() as session:
        attempt = session.get(ScormAttempt, attempt_id)
        if attempt is None or attempt.user_pk != launch.user_pk or attempt.resource_link_pk != launch.resource_link_pk:
            raise CommitRefused("This attempt does not belong to your launch.")
        package = session.get(ScormPackage, attempt.package_id)
        if package.kind == "cmi5":
            raise CommitRefused("cmi5 AUs report through the LRS, not through SCORM commits.")
        version = runtime_version(package.kind)
        if attempt.finished:
            if is_review(cmi, version):
                return attempt  # a review session: the SCO may commit, nothing is recorded or graded
            raise CommitRefused("This attempt is finished; open the activity again to start a new one.")
        sco = session.get(ScormSco, attempt.sco_id)
        before, after = read_cmi(attempt.cmi, version), read_cmi(cmi, version)
        builder = _builder(settings, launch, package, attempt.registration)
        statements = commit_statements(builder, sco.identifier, {"und": sco.title}, before, after,
                                       terminated=terminated)
        graded = (after.completion, after.success, after.scaled) != (attempt.completion, attempt.success,
                                                                     attempt.score_scaled)
        attempt.cmi = dict(cmi)
        attempt.completion, attempt.success, attempt.score_scaled = after.completion, after.success, after.scaled
        attempt.progress = after.progress
        attempt.updated_at = utcnow()
        if terminated:
            attempt.total_seconds += after.session_seconds or 0.0  # once per session: never doubled
            attempt.suspended = after.exit == "suspend"
            attempt.finished = not attempt.suspended
        if statements:
            store_statements(session, statements, authority=tool_authority(settings))
        if graded:
            _queue_grade(session, launch, package)
        return attempt


def _queue_grade(session: Session, launch: LaunchContext, package: ScormPackage) -> None:
    """The link's grade, each SCO's attempts combined by the link's grading policy (lti_tool.grading).
    SCORM 2004: the organization's rolled-up status and measure (scorm.sequencing); SCORM 1.2: the mean of the
    scaled score of each SCO the learner has a score for."""
    session.flush()
    policy = link_policy(session, launch.resource_link_pk)
    if sequenced(package):
        root = sequencing_tree(session, launch, package, graded_by=policy).root_status()
        given = Outcome(scaled=root.measure, completed=root.completed is True, passed=root.satisfied).value * 100
        _queue_package_score(session, launch, package, given, completed=root.completed is True,
                             graded=root.satisfied is not None or root.completed is True)
        return
    chosen = [combine(policy, [outcome_of(a) for a in attempts])
              for attempts in _attempts_by_sco(session, launch, package).values()]
    scos = session.scalar(select(func.count()).select_from(ScormSco).where(
        ScormSco.package_id == package.id, ScormSco.organization == package.default_organization,
        ScormSco.scorm_type == "sco")) or 1
    scored = [o.scaled for o in chosen if o is not None and o.scaled is not None]
    complete = sum(1 for o in chosen if o is not None and o.completed) >= scos
    decided = any(o is not None and o.passed is not None for o in chosen) or bool(scored)
    given = sum(scored) / len(scored) * 100 if scored else (100.0 if complete else 0.0)  # queue_score clamps
    _queue_package_score(session, launch, package, given, completed=complete, graded=complete or decided)


def _queue_package_score(session: Session, launch: LaunchContext, package: ScormPackage, given: float, *,
                         completed: bool, graded: bool) -> None:
    queue_score(session, launch, given=given, completed=completed, graded=graded, label=package.title,
                resource_id=PACKAGE_PREFIX + package.id)


# --- cmi5 packages -----------------------------------------------------------------------------------------

def _cmi5_actor(settings: Settings, launch: LaunchContext) -> dict:
    return actor(launch.learner(), with_names=settings.actor_names).as_version("1.0.3")


def _course_registration(session: Session, launch: LaunchContext, package: ScormPackage) -> str:
    """cmi5: one registration for the learner's enrolment in the course (every AU, every session)."""
    first = session.scalar(select(ScormAttempt.registration).where(
        ScormAttempt.user_pk == launch.user_pk, ScormAttempt.resource_link_pk == launch.resource_link_pk,
        ScormAttempt.package_id == package.id).order_by(ScormAttempt.id).limit(1))
    return first or str(uuid.uuid4())


def _opens_own_window(sco: ScormSco) -> bool:
    return (sco.extra or {}).get("launchMethod") == "OwnWindow"


def _launch_au(session: Session, settings: Settings, launch: LaunchContext, package: ScormPackage, sco: ScormSco,
               links: Links, new_attempt: bool = False) -> OpenedSession:
    """Launch an AU the way a cmi5 LMS does: a session credential for the embedded LRS behind a one-time fetch
    URL, LMS.LaunchData written, `launched` stored, then the AU's URL with endpoint/fetch/actor/registration/
    activityId (cmi5 8.1, 10.2). An AU whose moveOn is met opens in launchMode Review unless the learner asked
    for a new attempt: what a review session states is not graded (cmi5_sync leaves its session out)."""
    if not settings.lrs_enabled:
        raise Cmi5Unavailable("cmi5 packages need the embedded LRS (MIRCO_LRS_ENABLED).")
    au = sco.extra or {}
    activity_id = au.get("activityId") or sco.identifier
    own_window = _opens_own_window(sco)
    registration = _course_registration(session, launch, package)
    attempt = _latest_attempt(session, launch, sco)
    if attempt is None:
        attempt = _new_attempt(session, launch, sco, 1, registration)
    previous = (attempt.cmi or {}).get("cmi5", {})
    if previous.get("key"):  # one live credential per AU and learner: the previous session's ends now
        disable_client(session, previous["key"])
    session_id, nonce = str(uuid.uuid4()), secrets.token_urlsafe(24)
    review = attempt.finished and not new_attempt
    reviews = [*previous.get("reviews", []), session_id] if review else list(previous.get("reviews", []))
    key, secret = add_client(session, f"cmi5 session {session_id}",
                             ["statements/write", "statements/read/mine", "state"])
    attempt.cmi = {"cmi5": {"session": session_id, "nonce": nonce, "key": key, "reviews": reviews,
                            "token": base64.b64encode(f"{key}:{secret}".encode()).decode()}}
    attempt.sessions += 1
    attempt.updated_at = utcnow()
    session.flush()
    who = _cmi5_actor(settings, launch)
    template = context_template(session_id, au.get("courseId") or package.identifier)
    base = settings.base_url.rstrip("/")
    url = launch_url(links.content(package.id, sco.href), endpoint=base + "/xapi/",
                     fetch=links.fetch(attempt.id, nonce), registration=registration, actor=who,
                     activity_id=activity_id)
    mode = "Review" if review else "Normal"
    data = launch_data(template, au, sco.mastery, links.back if own_window else None, mode=mode)
    documents.put(session, documents.DocumentKey("state", activity_id, agent_key(who), registration.lower()),
                  LAUNCH_DATA, "application/json", json.dumps(data).encode(), documents.Preconditions())
    store_statements(session, [launched_statement(who, activity_id, registration, template, au, url,
                                                  sco.mastery, mode=mode)], authority=tool_authority(settings))
    return OpenedSession(attempt.id, sco.id, url, own_window=own_window, review=review)


def cmi5_fetch(db: Database, attempt_id: int, nonce: str) -> str:
    """cmi5 8.2: the fetch URL hands out the session's auth token once."""
    with db.transaction() as session:
        attempt = session.get(ScormAttempt, attempt_id, with_for_update=True)
        state = (attempt.cmi or {}).get("cmi5", {}) if attempt is not None else {}
        if not state.get("token") or not secrets.compare_digest(str(state.get("nonce", "")), nonce):
            raise Cmi5Unavailable("this fetch URL is unknown or was already used")
        token = state["token"]
        attempt.cmi = {"cmi5": {k: v for k, v in state.items() if k not in ("token", "nonce")}}
        return token


def cmi5_sync(db: Database, settings: Settings, launch: LaunchContext) -> list[ScormAttempt]:
    """Read the AUs' cmi5-defined statements back from the LRS (statements, not the browser, are the record):
    each AU's completion, success and score; `satisfied` for each block and for the course once the moveOn of
    every AU in it is met; the grade queued for AGS when that changes anything."""
    with db.transaction() as session:
        package = linked_package(session, launch)
        if package.kind != "cmi5":
            return []
        attempts = list(session.scalars(select(ScormAttempt).where(
            ScormAttempt.user_pk == launch.user_pk, ScormAttempt.resource_link_pk == launch.resource_link_pk,
            ScormAttempt.package_id == package.id)))
        if not attempts:
            return []
        registration = attempts[0].registration
        # only the verbs that decide: not every answered / progressed statement the AUs sent
        found = [s for verb in OUTCOME_VERBS for s in statements_by_registration(session, registration, verb=verb)]
        found.sort(key=lambda s: str(s.get("stored") or ""))
        who = _cmi5_actor(settings, launch)
        policy = link_policy(session, launch.resource_link_pk)
        changed = False
        new_statements = []
        scos = {s.id: s for s in package.scos}
        for attempt in attempts:
            sco = scos[attempt.sco_id]
            au = sco.extra or {}
            activity_id = au.get("activityId") or sco.identifier
            reviews = set((attempt.cmi or {}).get("cmi5", {}).get("reviews", []))
            counted_statements = [s for s in found if _session_of(s) not in reviews]
            outcome = au_outcome(counted_statements, activity_id, sco.mastery)
            scaled = _graded_scaled(policy, counted_statements, activity_id, sco.mastery)
            completion = "completed" if outcome.completed else attempt.completion
            success = "passed" if outcome.passed else "failed" if outcome.failed else attempt.success
            reached = move_on_met(au.get("moveOn") or "NotApplicable", outcome)
            if (completion, success, scaled, reached) != (attempt.completion, attempt.success,
                                                          attempt.score_scaled, attempt.finished):
                changed = True
                attempt.completion, attempt.success, attempt.finished = completion, success, reached
                attempt.score_scaled = scaled if scaled is not None else attempt.score_scaled
                attempt.updated_at = utcnow()
        by_sco = {a.sco_id: a for a in attempts}

        def met(sco: ScormSco) -> bool:  # cmi5 10.2.5: an AU whose moveOn is NotApplicable counts as met
            return (sco.extra or {}).get("moveOn", "NotApplicable") == "NotApplicable" or (
                by_sco.get(sco.id) is not None and by_sco[sco.id].finished)

        counted = [s for s in package.scos if (s.extra or {}).get("moveOn", "NotApplicable") != "NotApplicable"]
        course_met = all(met(s) for s in package.scos)
        course_id = next(((s.extra or {}).get("courseId") for s in package.scos if (s.extra or {}).get("courseId")),
                         package.identifier)
        blocks: dict[str, list[ScormSco]] = {}
        for sco in package.scos:
            for block in (sco.extra or {}).get("blocks", []):
                blocks.setdefault(block, []).append(sco)
        already = {(s.get("object") or {}).get("id")
                   for s in statements_by_registration(session, registration, verb=Verb.SATISFIED)}
        latest = max(attempts, key=lambda a: a.id)
        session_id = (latest.cmi or {}).get("cmi5", {}).get("session") or str(uuid.uuid4())
        for block, members in blocks.items():  # cmi5 9.3.9: satisfied for each block, then the course
            if block not in already and all(met(s) for s in members):
                new_statements.append(satisfied_statement(who, block, Cmi5.BLOCK_TYPE, registration, session_id))
        if course_met and course_id not in already:
            new_statements.append(satisfied_statement(who, course_id, Cmi5.COURSE_TYPE, registration, session_id))
        if new_statements:
            store_statements(session, new_statements, authority=tool_authority(settings))
        if changed:
            scores = []
            for sco in counted or package.scos:
                attempt = by_sco.get(sco.id)
                if attempt is not None and attempt.finished:
                    scores.append(attempt.score_scaled if attempt.score_scaled is not None else 1.0)
                else:
                    scores.append(0.0)
            _queue_package_score(session, launch, package, sum(scores) / len(scores) * 100,
                                 completed=course_met, graded=course_met)
        return attempts


def _session_of(statement: Mapping[str, Any]) -> Any:
    return ((statement.get("context") or {}).get("extensions") or {}).get(Extension.SESSION_ID)


def _graded_scaled(policy: Policy, statements: list[Mapping[str, Any]], activity_id: str,
                   mastery: float | None) -> float | None:
    """An AU's score: each session's outcome (its cmi5-defined statements, oldest session first) combined by the
    link's grading policy, like the attempts of a SCO or a quiz."""
    sessions: dict[Any, list[Mapping[str, Any]]] = {}
    for statement in statements:
        sessions.setdefault(_session_of(statement), []).append(statement)
    outcomes = []
    for group in sessions.values():
        found = au_outcome(group, activity_id, mastery)
        outcomes.append(Outcome(found.scaled, found.completed, True if found.passed else False if found.failed
                                else None))
    chosen = combine(policy, outcomes)
    return chosen.scaled if chosen is not None else None
