"""A small subset of IMS Simple Sequencing (SCORM 2004 SN book), evaluated on the server.

scorm-again ships a browser implementation of the whole sequencing model, but the tool must decide on the
server which SCO a learner may open (the browser is the learner's) and compute the grade it sends over AGS
from the rolled-up status; no maintained Python library implements SCORM sequencing. So this module
implements, by hand, the part packages commonly rely on:

- control modes `choice`, `choiceExit`, `flow`, `forwardOnly` of each cluster;
- `limitConditions attemptLimit`;
- precondition rules with actions `skip`, `disabled`, `hiddenFromChoice`, `stopForwardTraversal` and the
  conditions satisfied / objectiveStatusKnown / objectiveMeasureKnown / measure greater-less-than / completed /
  activityProgressKnown / attempted / attemptLimitExceeded / always (with `not`, `all` / `any`), on the
  activity's own objectives, which read global objectives through `mapInfo`;
- global objectives written by a SCO's objectives (`writeSatisfiedStatus`, `writeNormalizedMeasure`);
- rollup of satisfaction, completion and measure (weighted) with rollup rules or the default rules, and
  `satisfiedByMeasure` on every level;
- the navigation requests start, continue, previous, choice (and exit, exitAll, suspendAll, which deliver
  nothing).

Not implemented: post-condition and exit rules, retry, time limits, randomization and selection, rollup
considerations (requiredFor...), `adlseq` extensions. Everything is a pure function of the stored tree and
the learner's attempts, so it is tested without a browser.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from scorm.sequencing_read import default_sequencing

@dataclass(frozen=True)
class LeafRecord:
    """What the learner did in one SCO: its latest attempt (or none)."""

    attempts: int = 0
    completion: str = "unknown"
    success: str = "unknown"
    measure: float | None = None
    ended: bool = False
    """The latest attempt ended (terminated, not suspended)."""
    open: bool = False
    """The latest attempt is active or suspended (a delivery resumes it and starts no new attempt)."""
    objectives: Mapping[str, tuple[str, float | None]] = field(default_factory=dict)
    """cmi.objectives of the latest attempt: id -> (success_status, scaled score)."""


@dataclass
class Status:
    satisfied: bool | None = None
    measure: float | None = None
    completed: bool | None = None
    attempted: bool = False
    limit_exceeded: bool = False


SUCCESS = {"passed": True, "failed": False}
"""success_status -> satisfied (anything else: unknown)."""


def _by_measure(spec: Mapping[str, Any], measure: float) -> bool:
    """satisfiedByMeasure: the measure reaches the objective's minNormalizedMeasure (1.0 when not given)."""
    return measure >= (spec.get("minMeasure") if spec.get("minMeasure") is not None else 1.0)


def _condition_value(name: str, satisfied: bool | None, measure: float | None, status: Status,
                     threshold: float = 0.0) -> bool:
    """One rule condition (precondition or rollup) from an activity's objective and status."""
    return {"satisfied": satisfied is True, "objectiveStatusKnown": satisfied is not None,
            "objectiveMeasureKnown": measure is not None,
            "objectiveMeasureGreaterThan": measure is not None and measure > threshold,
            "objectiveMeasureLessThan": measure is not None and measure < threshold,
            "completed": status.completed is True, "activityProgressKnown": status.completed is not None,
            "attempted": status.attempted, "attemptLimitExceeded": status.limit_exceeded,
            "always": True}.get(name, False)


@dataclass(frozen=True)
class Decision:
    deliver: str | None
    """The identifier of the leaf to deliver, or None (nothing to deliver: see `reason` / `ended`)."""
    reason: str = ""
    ended: bool = False
    """The request ends the sequencing session (exitAll, suspendAll, continue past the last activity)."""


class NavigationRefused(Exception):
    pass


class Tree:
    """An organization's activity tree (as scorm.sequencing_read stores it) with the learner's state."""

    def __init__(self, nodes: list[dict], records: Mapping[str, LeafRecord]) -> None:
        defaults = default_sequencing()  # nodes built by hand (flat trees, tests, benchmarks) may leave them out
        self.nodes = {n["id"]: {**defaults, **n} for n in nodes}
        self.order = [n["id"] for n in nodes]
        self.root = self.order[0]
        self.children: dict[str, list[str]] = {n: [] for n in self.order}
        for node_id in self.order[1:]:
            self.children[self.nodes[node_id]["parent"]].append(node_id)
        self.leaves = [n for n in self.order if not self.children[n]]
        self.records = records
        self.globals: dict[str, dict[str, Any]] = {}
        self.status: dict[str, Status] = {}
        self._evaluate()

    @classmethod
    def flat(cls, organization: str, title: str, leaves: Iterable[str],
             records: Mapping[str, LeafRecord]) -> Tree:
        """A tree with default sequencing (packages imported before sequencing was stored, SCORM 1.2)."""
        nodes = [{"id": organization, "parent": None, "title": title, "leaf": False}]
        nodes += [{"id": leaf, "parent": organization, "title": leaf, "leaf": True} for leaf in leaves]
        return cls(nodes, records)

    # --- state ---------------------------------------------------------------------------------------------

    def ancestors(self, node_id: str) -> list[str]:
        """Parent first, root last."""
        found = []
        parent = self.nodes[node_id]["parent"]
        while parent is not None:
            found.append(parent)
            parent = self.nodes[parent]["parent"]
        return found

    def _leaf_status(self, node_id: str) -> Status:
        node, record = self.nodes[node_id], self.records.get(node_id, LeafRecord())
        status = Status(attempted=record.attempts > 0, measure=record.measure)
        status.completed = {"completed": True, "incomplete": False}.get(record.completion)
        status.satisfied = SUCCESS.get(record.success)
        delivery = node["delivery"]
        if record.ended and status.completed is None and not delivery["completionSetByContent"]:
            status.completed = True  # SN End Attempt Process: the LMS completes what the content did not
        if record.ended and status.satisfied is None and not delivery["objectiveSetByContent"]:
            status.satisfied = True
        primary = node["objectives"]["list"].get(node["objectives"]["primary"] or "", {})
        if primary.get("satisfiedByMeasure") and status.measure is not None:
            status.satisfied = _by_measure(primary, status.measure)
        limit = node["attemptLimit"]
        status.limit_exceeded = bool(limit) and record.attempts >= limit and not record.open
        return status

    def _own_objective(self, node_id: str, key: str) -> tuple[bool | None, float | None]:
        """(satisfied, measure) of an objective as the activity itself knows it: the primary one is the activity's
        status, the others what the SCO set in cmi.objectives."""
        if key == (self.nodes[node_id]["objectives"]["primary"] or ""):
            return self.status[node_id].satisfied, self.status[node_id].measure
        success, measure = self.records.get(node_id, LeafRecord()).objectives.get(key, ("unknown", None))
        return SUCCESS.get(success), measure

    def objective(self, node_id: str, objective_id: str | None) -> tuple[bool | None, float | None]:
        """(satisfied, measure) of one of the activity's objectives (None: the primary one), after reading maps."""
        objectives = self.nodes[node_id]["objectives"]
        key = objective_id if objective_id is not None else (objectives["primary"] or "")
        spec = objectives["list"].get(key)
        is_primary = key == (objectives["primary"] or "")
        satisfied, measure = self._own_objective(node_id, key)
        for mapping in (spec or {}).get("maps", []):
            shared = self.globals.get(mapping["target"], {})
            if mapping["readSatisfied"] and shared.get("satisfied") is not None:
                satisfied = shared["satisfied"]
            if mapping["readMeasure"] and shared.get("measure") is not None:
                measure = shared["measure"]
        if spec and spec.get("satisfiedByMeasure") and measure is not None and not is_primary:
            satisfied = _by_measure(spec, measure)
        return satisfied, measure

    def _write_globals(self, node_id: str) -> None:
        for key, spec in self.nodes[node_id]["objectives"]["list"].items():
            satisfied, measure = self._own_objective(node_id, key)
            for mapping in spec.get("maps", []):
                shared = self.globals.setdefault(mapping["target"], {"satisfied": None, "measure": None})
                if mapping["writeSatisfied"] and satisfied is not None:
                    shared["satisfied"] = satisfied
                if mapping["writeMeasure"] and measure is not None:
                    shared["measure"] = measure

    def _evaluate(self) -> None:
        for leaf in self.leaves:
            self.status[leaf] = self._leaf_status(leaf)
        for leaf in self.leaves:
            self._write_globals(leaf)
        for leaf in self.leaves:  # a leaf's primary objective may read a global objective
            satisfied, measure = self.objective(leaf, None)
            self.status[leaf].satisfied, self.status[leaf].measure = satisfied, measure
        for node_id in reversed(self.order):
            if self.children[node_id]:
                self.status[node_id] = self._rollup(node_id)

    # --- rollup --------------------------------------------------------------------------------------------

    def _rollup(self, node_id: str) -> Status:
        node = self.nodes[node_id]
        children = [c for c in self.children[node_id] if self.nodes[c]["delivery"]["tracked"]]
        status = Status(attempted=any(self.status[c].attempted for c in children))
        counted, total, valid = 0.0, 0.0, False
        for child in children:
            weight = self.nodes[child]["rollup"]["weight"]
            if weight > 0:
                counted += weight
                if self.status[child].measure is not None:
                    total += self.status[child].measure * weight
                    valid = True
        status.measure = round(total / counted, 4) if valid and counted > 0 else None
        satisfying = [c for c in children if self.nodes[c]["rollup"]["objectiveSatisfied"]]
        completing = [c for c in children if self.nodes[c]["rollup"]["progressCompletion"]]
        rules = node["rollup"]["rules"]
        primary = node["objectives"]["list"].get(node["objectives"]["primary"] or "", {})
        if primary.get("satisfiedByMeasure") and status.measure is not None:
            status.satisfied = _by_measure(primary, status.measure)
        elif primary.get("satisfiedByMeasure"):
            status.satisfied = None
        else:
            status.satisfied = self._apply(rules, satisfying, ("notSatisfied", "satisfied"),
                                           ("objectiveStatusKnown", "satisfied"))
        status.completed = self._apply(rules, completing, ("incomplete", "completed"),
                                       ("activityProgressKnown", "completed"))
        return status

    def _apply(self, rules: list[dict], children: list[str], actions: tuple[str, str],
               defaults: tuple[str, str]) -> bool | None:
        """Evaluate the `negative` then the `positive` rollup action (the positive one wins, as in the SN book);
        the default rules when the activity defines none for that pair."""
        negative, positive = actions
        chosen = [r for r in rules if r["action"] in actions]
        if not chosen:
            chosen = [{"action": negative, "set": "all", "count": 0, "percent": 0.0, "any": True,
                       "conditions": [{"condition": defaults[0], "not": False}]},
                      {"action": positive, "set": "all", "count": 0, "percent": 0.0, "any": True,
                       "conditions": [{"condition": defaults[1], "not": False}]}]
        result = None
        for action in (negative, positive):
            if any(self._rule_holds(rule, children) for rule in chosen if rule["action"] == action):
                result = action == positive
        return result

    def _rule_holds(self, rule: dict, children: list[str]) -> bool:
        if not children:
            return False

        def holds(child: str) -> bool:
            status = self.status[child]
            results = [_condition_value(c["condition"], status.satisfied, status.measure, status) != c["not"]
                       for c in rule["conditions"]]
            return bool(results) and (any(results) if rule["any"] else all(results))

        matching = sum(1 for child in children if holds(child))
        return {"all": matching == len(children), "any": matching > 0, "none": matching == 0,
                "atLeastCount": matching >= max(rule["count"], 0),
                "atLeastPercent": matching / len(children) >= (rule["percent"] or 0.0)}[rule["set"]]

    # --- preconditions -------------------------------------------------------------------------------------

    def _condition(self, node_id: str, condition: dict) -> bool:
        status = self.status[node_id]
        satisfied, measure = self.objective(node_id, condition["objective"]) if not self.children[node_id] \
            else (status.satisfied, status.measure)
        return _condition_value(condition["condition"], satisfied, measure, status,
                                condition["threshold"]) != condition["not"]

    def precondition(self, node_id: str, actions: set[str]) -> str | None:
        """The first precondition rule action among `actions` whose conditions hold, or None."""
        for rule in self.nodes[node_id]["pre"]:
            if rule["action"] not in actions or not rule["conditions"]:
                continue
            results = [self._condition(node_id, c) for c in rule["conditions"]]
            if any(results) if rule["any"] else all(results):
                return rule["action"]
        return None

    def blocked(self, node_id: str) -> str | None:
        """Why the activity cannot be delivered (SN Check Activity Process), or None."""
        if self.precondition(node_id, {"disabled"}):
            return f"{self.title(node_id)!r} is not available yet"
        if self.status[node_id].limit_exceeded:
            return f"{self.title(node_id)!r} has no attempt left (limit {self.nodes[node_id]['attemptLimit']})"
        return None

    def _path(self, leaf: str) -> list[str]:
        """The leaf and its clusters below the root (the root's own rules do not gate its activities)."""
        return [leaf] + self.ancestors(leaf)[:-1]

    def title(self, node_id: str) -> str:
        return self.nodes[node_id].get("title") or node_id

    # --- navigation ----------------------------------------------------------------------------------------

    def menu(self) -> dict[str, str]:
        """Each leaf: `enabled`, `disabled` or `hidden` for a choice request from the table of contents."""
        found = {}
        for leaf in self.leaves:
            path = self._path(leaf)
            if any(self.precondition(n, {"hiddenFromChoice"}) for n in path):
                found[leaf] = "hidden"
            elif any(not self.nodes[p]["control"]["choice"] for p in self.ancestors(leaf)) or \
                    any(self.blocked(n) for n in path):
                found[leaf] = "disabled"
            else:
                found[leaf] = "enabled"
        return found

    def choice(self, target: str, current: str | None) -> Decision:
        if target not in self.nodes or self.children[target]:
            raise NavigationRefused(f"{target!r} is not an activity of this package")
        for ancestor in self.ancestors(target):
            if not self.nodes[ancestor]["control"]["choice"]:
                raise NavigationRefused(f"{self.title(ancestor)!r} does not allow choosing its activities "
                                        "(choice=false): use Continue / Previous")
        if current is not None and current in self.nodes and current != target:
            common = set(self.ancestors(target))
            for ancestor in self.ancestors(current):
                if ancestor in common:
                    if self.nodes[ancestor]["control"]["forwardOnly"] and \
                            self.order.index(target) < self.order.index(current):
                        raise NavigationRefused(f"{self.title(ancestor)!r} only moves forward (forwardOnly)")
                    break
                if not self.nodes[ancestor]["control"]["choiceExit"]:
                    raise NavigationRefused(f"{self.title(ancestor)!r} must be finished before choosing elsewhere "
                                            "(choiceExit=false)")
        for node_id in self._path(target):
            if self.precondition(node_id, {"hiddenFromChoice"}):
                raise NavigationRefused(f"{self.title(node_id)!r} is hidden from choice")
            reason = self.blocked(node_id)
            if reason:
                raise NavigationRefused(reason)
        return Decision(target)

    def _flow_allowed(self, leaf: str, stop_at: str | None) -> None:
        for ancestor in self.ancestors(leaf):
            if not self.nodes[ancestor]["control"]["flow"]:
                raise NavigationRefused(f"{self.title(ancestor)!r} does not allow Continue / Previous (flow=false): "
                                        "choose an activity")
            if ancestor == stop_at:
                break

    def _walk(self, start: int, step: int) -> Decision:
        index = start
        while 0 <= index < len(self.leaves):
            leaf = self.leaves[index]
            path = self._path(leaf)
            self._flow_allowed(leaf, None)
            if any(self.precondition(n, {"skip"}) for n in path):
                index += step
                continue
            if step > 0 and any(self.precondition(n, {"stopForwardTraversal"}) for n in path):
                raise NavigationRefused(f"{self.title(leaf)!r} stops forward traversal")
            for node_id in reversed(path):
                reason = self.blocked(node_id)
                if reason:
                    raise NavigationRefused(reason)
            return Decision(leaf)
        if step > 0:
            return Decision(None, "the end of the course", ended=True)
        raise NavigationRefused("this is the first activity")

    def start(self) -> Decision:
        """Where a new sequencing session begins: the first activity by flow, or the first one that choice
        allows when the organization does not flow."""
        if self.nodes[self.root]["control"]["flow"]:
            return self._walk(0, 1)
        for leaf, state in self.menu().items():
            if state == "enabled":
                return Decision(leaf)
        return Decision(None, "no activity is available", ended=True)

    def request(self, request: str, current: str | None, target: str | None = None) -> Decision:
        """Resolve a navigation request (the LMS's buttons or the SCO's adl.nav.request)."""
        if request == "start":
            return self.start()
        if request == "choice":
            if not target:
                raise NavigationRefused("a choice request needs a target")
            return self.choice(target, current)
        if request in ("exit", "abandon"):
            return Decision(None, "the activity ended")
        if request in ("exitAll", "abandonAll", "suspendAll"):
            return Decision(None, "the course " + ("is suspended" if request == "suspendAll" else "ended"),
                            ended=True)
        if current is None or current not in self.leaves:
            raise NavigationRefused(f"{request} needs a current activity")
        index = self.leaves.index(current)
        parent = self.nodes[current]["parent"]
        if request == "continue":
            self._flow_allowed(current, parent)
            return self._walk(index + 1, 1)
        if request == "previous":
            self._flow_allowed(current, parent)
            for ancestor in self.ancestors(current):
                if self.nodes[ancestor]["control"]["forwardOnly"]:
                    raise NavigationRefused(f"{self.title(ancestor)!r} only moves forward (forwardOnly)")
            return self._walk(index - 1, -1)
        raise NavigationRefused(f"unknown navigation request {request!r}")

    def root_status(self) -> Status:
        return self.status[self.root]


NAV_REQUESTS = {"start", "continue", "previous", "choice", "exit", "exitAll", "abandon", "abandonAll",
                "suspendAll"}


def parse_nav_request(value: str) -> tuple[str, str | None]:
    """`adl.nav.request` as a SCO sets it: `continue`, `{target=ITEM}choice`, `_none_` ... -> (request, target)."""
    value = (value or "").strip()
    target = None
    if value.startswith("{target="):
        end = value.find("}")
        if end > 0:
            target, value = value[len("{target="):end], value[end + 1:]
    return value, target
