"""Read the IMS Simple Sequencing a SCORM 2004 manifest declares into plain JSON (stored with the package).

Only what scorm.sequencing evaluates is kept: control modes, attempt limits, precondition rules, objectives
with their global-objective maps, rollup rules and controls, and the delivery controls. `<imsss:sequencing
IDRef>` pulls in a `<imsss:sequencingCollection>` entry; elements written on the item replace the
collection's. Malformed values become located problems and the defaults of the specification.
"""
from __future__ import annotations

from typing import Any

from lxml import etree

from scorm import namespaces as ns

SS = f"{{{ns.IMSSS}}}"
PRE_ACTIONS = {"skip", "disabled", "hiddenFromChoice", "stopForwardTraversal"}
RULE_CONDITIONS = {"satisfied", "objectiveStatusKnown", "objectiveMeasureKnown", "objectiveMeasureGreaterThan",
                   "objectiveMeasureLessThan", "completed", "activityProgressKnown", "attempted",
                   "attemptLimitExceeded", "always"}
ROLLUP_ACTIONS = {"satisfied", "notSatisfied", "completed", "incomplete"}
ROLLUP_CONDITIONS = {"satisfied", "objectiveStatusKnown", "objectiveMeasureKnown", "completed",
                     "activityProgressKnown", "attempted", "attemptLimitExceeded", "never"}
CHILD_SETS = {"all", "any", "none", "atLeastCount", "atLeastPercent"}


def _bool(element: etree._Element | None, name: str, default: bool) -> bool:
    value = element.get(name) if element is not None else None
    return default if value is None else value.strip() in ("true", "1")


def _float(value: str | None, default: float | None) -> float | None:
    try:
        return float(value) if value is not None else default
    except ValueError:
        return default


class SequencingReader:
    """Turns `<imsss:sequencing>` elements into dicts; `problems` collects (line, message)."""

    def __init__(self, root: etree._Element) -> None:
        self.collection: dict[str, etree._Element] = {}
        self.problems: list[tuple[int | None, str]] = []
        for found in root.findall(f"{SS}sequencingCollection/{SS}sequencing"):
            if found.get("ID"):
                self.collection[found.get("ID", "")] = found

    def _parts(self, owner: etree._Element) -> dict[str, etree._Element]:
        """The sequencing child elements that apply to `owner` (an organization or an item), by local name."""
        local = owner.find(f"{SS}sequencing")
        if local is None:
            return {}
        parts: dict[str, etree._Element] = {}
        ref = local.get("IDRef")
        if ref:
            shared = self.collection.get(ref)
            if shared is None:
                self.problems.append((local.sourceline, f"sequencing IDRef {ref!r} is not in the sequencingCollection"))
            else:
                parts.update({etree.QName(child).localname: child for child in shared if isinstance(child.tag, str)})
        parts.update({etree.QName(child).localname: child for child in local if isinstance(child.tag, str)})
        return parts

    def read(self, owner: etree._Element) -> dict[str, Any]:
        """The sequencing of an organization or an item, the specification's defaults where it declares none."""
        return self._settings(self._parts(owner))

    def _settings(self, parts: dict[str, etree._Element]) -> dict[str, Any]:
        control = parts.get("controlMode")
        limits = parts.get("limitConditions")
        delivery = parts.get("deliveryControls")
        rollup = parts.get("rollupRules")
        attempt_limit = None
        if limits is not None and limits.get("attemptLimit") is not None:
            try:
                attempt_limit = int(limits.get("attemptLimit", ""))
                if attempt_limit < 0:
                    raise ValueError
            except ValueError:
                self.problems.append((limits.sourceline, f"attemptLimit {limits.get('attemptLimit')!r} is not a "
                                                         "non-negative integer"))
                attempt_limit = None
        return {
            "control": {"choice": _bool(control, "choice", True), "choiceExit": _bool(control, "choiceExit", True),
                        "flow": _bool(control, "flow", False), "forwardOnly": _bool(control, "forwardOnly", False)},
            "attemptLimit": attempt_limit or None,  # 0 means no limit
            "pre": self._rules(parts.get("sequencingRules"), "preConditionRule", PRE_ACTIONS),
            "objectives": self._objectives(parts.get("objectives")),
            "rollup": {"objectiveSatisfied": _bool(rollup, "rollupObjectiveSatisfied", True),
                       "progressCompletion": _bool(rollup, "rollupProgressCompletion", True),
                       "weight": max(0.0, min(1.0, _float(rollup.get("objectiveMeasureWeight") if rollup is not None
                                                          else None, 1.0) or 0.0)),
                       "rules": self._rollup_rules(rollup)},
            "delivery": {"tracked": _bool(delivery, "tracked", True),
                         "completionSetByContent": _bool(delivery, "completionSetByContent", False),
                         "objectiveSetByContent": _bool(delivery, "objectiveSetByContent", False)},
        }

    def _rules(self, rules: etree._Element | None, tag: str, actions: set[str]) -> list[dict]:
        found = []
        for rule in rules.findall(f"{SS}{tag}") if rules is not None else []:
            action_el = rule.find(f"{SS}ruleAction")
            action = action_el.get("action", "") if action_el is not None else ""
            if action not in actions:
                continue  # a schema error, or an action this subset does not evaluate
            group = rule.find(f"{SS}ruleConditions")
            conditions = []
            for condition in group.findall(f"{SS}ruleCondition") if group is not None else []:
                name = condition.get("condition", "")
                if name not in RULE_CONDITIONS:
                    continue
                conditions.append({"condition": name, "not": condition.get("operator") == "not",
                                   "objective": condition.get("referencedObjective") or None,
                                   "threshold": _float(condition.get("measureThreshold"), 0.0)})
            found.append({"action": action, "any": group is not None and group.get("conditionCombination") == "any",
                          "conditions": conditions})
        return found

    def _objectives(self, objectives: etree._Element | None) -> dict[str, Any]:
        result: dict[str, Any] = {"primary": None, "list": {}}
        if objectives is None:
            return result
        for element in objectives:
            if not isinstance(element.tag, str) or etree.QName(element).localname not in ("primaryObjective",
                                                                                            "objective"):
                continue
            objective_id = element.get("objectiveID", "")
            primary = etree.QName(element).localname == "primaryObjective"
            maps = [{"target": m.get("targetObjectiveID", ""),
                     "readSatisfied": _bool(m, "readSatisfiedStatus", True),
                     "readMeasure": _bool(m, "readNormalizedMeasure", True),
                     "writeSatisfied": _bool(m, "writeSatisfiedStatus", False),
                     "writeMeasure": _bool(m, "writeNormalizedMeasure", False)}
                    for m in element.findall(f"{SS}mapInfo") if m.get("targetObjectiveID")]
            key = objective_id or ("" if primary else None)
            if key is None:
                continue
            result["list"][key] = {
                "satisfiedByMeasure": _bool(element, "satisfiedByMeasure", False),
                "minMeasure": _float(element.findtext(f"{SS}minNormalizedMeasure"), 1.0), "maps": maps}
            if primary:
                result["primary"] = key
        return result

    def _rollup_rules(self, rollup: etree._Element | None) -> list[dict]:
        found = []
        for rule in rollup.findall(f"{SS}rollupRule") if rollup is not None else []:
            action_el = rule.find(f"{SS}rollupAction")
            action = action_el.get("action", "") if action_el is not None else ""
            child_set = rule.get("childActivitySet", "all")
            if action not in ROLLUP_ACTIONS or child_set not in CHILD_SETS:
                continue
            group = rule.find(f"{SS}rollupConditions")
            conditions = [{"condition": c.get("condition", ""), "not": c.get("operator") == "not"}
                          for c in (group.findall(f"{SS}rollupCondition") if group is not None else [])
                          if c.get("condition") in ROLLUP_CONDITIONS]
            found.append({"action": action, "set": child_set,
                          "count": int(_float(rule.get("minimumCount"), 0) or 0),
                          "percent": _float(rule.get("minimumPercent"), 0.0),
                          "any": group is None or group.get("conditionCombination", "any") == "any",
                          "conditions": conditions})
        return found


def default_sequencing() -> dict[str, Any]:
    """The sequencing of an activity that declares none (scorm.sequencing fills nodes built without a manifest
    with it), from the same code that reads manifests, so the defaults are written once."""
    return SequencingReader(etree.Element("manifest"))._settings({})


def read_organization_tree(reader: SequencingReader, organization: etree._Element, cp: str) -> list[dict]:
    """The organization and its items in document order (pre-order) as nodes with their sequencing."""
    title = organization.findtext(f"{{{cp}}}title") or ""
    nodes = [{"id": organization.get("identifier", ""), "parent": None, "title": " ".join(title.split()),
              "leaf": False, **reader.read(organization)}]
    stack = [(item, nodes[0]["id"]) for item in reversed(organization.findall(f"{{{cp}}}item"))]
    while stack:
        item, parent = stack.pop()
        children = item.findall(f"{{{cp}}}item")
        stack.extend((child, item.get("identifier", "")) for child in reversed(children))
        item_title = item.findtext(f"{{{cp}}}title") or ""
        nodes.append({"id": item.get("identifier", ""), "parent": parent, "title": " ".join(item_title.split()),
                      "leaf": not children, **reader.read(item)})
    return nodes
