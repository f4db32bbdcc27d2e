"""Manifests: imsmanifest.xml for SCORM 1.2 and SCORM 2004 4th edition; cmi5.xml (Common Cartridge: scorm.cartridge).

Each builder returns an lxml element; the exporter serialises it. Element order follows the XSDs, which the
tests check every export against.
"""
from __future__ import annotations

from dataclasses import dataclass

from lxml import etree
from lxml.builder import ElementMaker

from courses.model import Course
from scorm import namespaces as ns
from scorm.plan import Sco
from xapi.iris import activity_iri


@dataclass(frozen=True)
class PackageFacts:
    """What every manifest needs besides the course: language, IRIs, the SCOs and the shared files."""

    course: Course
    lang: str
    iri_base: str
    scos: tuple[Sco, ...]
    shared_files: tuple[str, ...]

    def text(self, value) -> str:  # type: ignore[no-untyped-def]
        return value.get(self.lang)

    @property
    def identifier(self) -> str:
        return f"MIRCO-{self.course.id}-{self.course.version}"

    @property
    def course_iri(self) -> str:
        return activity_iri(self.iri_base, self.course.id)


def _xsi(element: etree._Element, *namespaces: str) -> etree._Element:
    element.set(f"{{{ns.XSI}}}schemaLocation", ns.schema_location(*namespaces))
    return element


def _hours(course: Course) -> tuple[int, int]:
    minutes = round(course.hours * 60)
    return divmod(minutes, 60)


def _resources(E: ElementMaker, facts: PackageFacts, scorm_type: str) -> list[etree._Element]:
    """One SCO resource per SCO page, all depending on one asset resource with the shared player files."""
    resources = [
        E.resource(E.file(href=sco.href), E.dependency(identifierref="RES-shared"),
                   {"identifier": f"RES-{sco.key}", "type": "webcontent", scorm_type: "sco", "href": sco.href})
        for sco in facts.scos
    ]
    resources.append(E.resource(*[E.file(href=f) for f in facts.shared_files],
                                {"identifier": "RES-shared", "type": "webcontent", scorm_type: "asset"}))
    return resources


# ---------------------------------------------------------------- SCORM 1.2

def scorm12_manifest(facts: PackageFacts) -> etree._Element:
    E = ElementMaker(namespace=ns.CP12, nsmap={None: ns.CP12, "adlcp": ns.ADLCP12, "imsmd": ns.IMSMD12, "xsi": ns.XSI})
    MD = ElementMaker(namespace=ns.IMSMD12)
    AD = ElementMaker(namespace=ns.ADLCP12)
    course = facts.course

    def langstring(value: str, lang: str | None = None):  # type: ignore[no-untyped-def]
        return MD.langstring(value, {f"{{{ns.XML}}}lang": lang or facts.lang})

    def vocab(source: str, value: str):  # type: ignore[no-untyped-def]
        return [MD.source(langstring(source, "x-none")), MD.value(langstring(value, "x-none"))]

    hours, minutes = _hours(course)
    lom = MD.lom(
        MD.general(MD.title(langstring(facts.text(course.title))), MD.language(facts.lang),
                   MD.description(langstring(facts.text(course.description)))),
        MD.lifecycle(MD.version(langstring(course.version, "x-none"))),
        MD.educational(MD.typicallearningtime(MD.datetime(f"{hours:02d}:{minutes:02d}:00"))),
        MD.rights(MD.copyrightandotherrestrictions(*vocab("LOMv1.0", "yes")),
                  MD.description(langstring(course.licence, "x-none"))),
        MD.classification(
            MD.purpose(*vocab("LOMv1.0", "Educational Level")),
            MD.taxonpath(MD.source(langstring("EQF", "x-none")),
                         MD.taxon(MD.id(str(course.eqf_level)),
                                  MD.entry(langstring(f"EQF level {course.eqf_level}", "en"))))),
    )
    items = []
    for sco in facts.scos:
        item = E.item(E.title(facts.text(sco.title)), identifier=f"ITEM-{sco.key}", identifierref=f"RES-{sco.key}")
        if sco.mastery_percent is not None:
            item.append(AD.masteryscore(f"{sco.mastery_percent:g}"))
        items.append(item)
    resources = _resources(E, facts, f"{{{ns.ADLCP12}}}scormtype")
    manifest = E.manifest(
        E.metadata(E.schema("ADL SCORM"), E.schemaversion("1.2"), lom),
        E.organizations(E.organization(E.title(facts.text(course.title)), *items, identifier="ORG"), default="ORG"),
        E.resources(*resources),
        identifier=facts.identifier, version=course.version,
    )
    return _xsi(manifest, ns.CP12, ns.ADLCP12, ns.IMSMD12)


# ---------------------------------------------------------------- SCORM 2004 4th edition

def lom_2004(facts: PackageFacts) -> etree._Element:
    """IEEE LOM for the course: title, description, language, version, typical learning time, licence, EQF."""
    L = ElementMaker(namespace=ns.LOM, nsmap={"lom": ns.LOM})
    course = facts.course

    def string(value: str, lang: str | None = None):  # type: ignore[no-untyped-def]
        return L.string(value, language=lang or facts.lang)

    def vocab(tag: str, value: str):  # type: ignore[no-untyped-def]
        return L(tag, L.source("LOMv1.0"), L.value(value))

    hours, minutes = _hours(course)
    return L.lom(
        L.general(L.identifier(L.catalog("URI"), L.entry(facts.course_iri)), L.title(string(facts.text(course.title))),
                  L.language(facts.lang), L.description(string(facts.text(course.description)))),
        L.lifeCycle(L.version(string(course.version, "x-none"))),
        L.technical(L.format("text/html")),
        L.educational(L.typicalLearningTime(L.duration(f"PT{hours}H{minutes}M" if minutes else f"PT{hours}H")),
                      L.language(facts.lang)),
        L.rights(vocab("copyrightAndOtherRestrictions", "yes"), L.description(string(course.licence, "x-none"))),
        L.classification(vocab("purpose", "educational level"),
                         L.taxonPath(L.source(string("European Qualifications Framework (EQF)", "en")),
                                     L.taxon(L.id(str(course.eqf_level)),
                                             L.entry(string(f"EQF level {course.eqf_level}", "en"))))),
    )


def scorm2004_manifest(facts: PackageFacts, sequencing: str = "portable") -> etree._Element:
    """Modules in flow order with choice, primary objectives satisfied by the quiz's passing score, one objective
    per learning outcome, rollup by mastery. With `sequencing="full"` each SCO is also disabled until the
    previous one is satisfied: that needs global objectives (`mapInfo`), which Moodle cannot upload."""
    nsmap = {None: ns.CP, "adlcp": ns.ADLCP, "adlseq": ns.ADLSEQ, "adlnav": ns.ADLNAV, "imsss": ns.IMSSS,
             "lom": ns.LOM, "xsi": ns.XSI}
    E = ElementMaker(namespace=ns.CP, nsmap=nsmap)
    S = ElementMaker(namespace=ns.IMSSS)
    course = facts.course
    items = []
    previous: str | None = None
    for sco in facts.scos:
        mastery_target = sco.iri(facts.iri_base, course.id) + "#mastery"
        primary = S.primaryObjective(objectiveID=f"OBJ-{sco.key}")
        if sco.mastery_percent is not None:
            primary.set("satisfiedByMeasure", "true")
            primary.append(S.minNormalizedMeasure(f"{sco.mastery_percent / 100:g}"))
        objectives = [primary]
        rules = []
        if sequencing == "full":
            primary.append(S.mapInfo(targetObjectiveID=mastery_target, readSatisfiedStatus="false",
                                     writeSatisfiedStatus="true"))
            if previous:
                objectives.append(S.objective(S.mapInfo(targetObjectiveID=previous, readSatisfiedStatus="true",
                                                        writeSatisfiedStatus="false"), objectiveID="OBJ-previous"))
                rules.append(S.sequencingRules(S.preConditionRule(
                    S.ruleConditions(S.ruleCondition(referencedObjective="OBJ-previous", operator="not",
                                                     condition="satisfied"), conditionCombination="any"),
                    S.ruleAction(action="disabled"))))
        objectives.extend(S.objective(objectiveID=activity_iri(facts.iri_base, course.id, "outcomes", outcome))
                          for outcome in sco.outcomes)
        items.append(E.item(
            E.title(facts.text(sco.title)),
            S.sequencing(*rules, S.objectives(*objectives),
                         S.deliveryControls(completionSetByContent="true", objectiveSetByContent="true")),
            identifier=f"ITEM-{sco.key}", identifierref=f"RES-{sco.key}"))
        previous = mastery_target
    root_sequencing = S.sequencing(
        S.controlMode(choice="true", flow="true"),
        S.rollupRules(
            S.rollupRule(S.rollupConditions(S.rollupCondition(condition="satisfied")),
                         S.rollupAction(action="satisfied"), childActivitySet="all"),
            S.rollupRule(S.rollupConditions(S.rollupCondition(condition="completed")),
                         S.rollupAction(action="completed"), childActivitySet="all")),
    )
    resources = _resources(E, facts, f"{{{ns.ADLCP}}}scormType")
    manifest = E.manifest(
        E.metadata(E.schema("ADL SCORM"), E.schemaversion("2004 4th Edition"), lom_2004(facts)),
        E.organizations(E.organization(E.title(facts.text(course.title)), *items, root_sequencing,
                                       identifier="ORG"), default="ORG"),
        E.resources(*resources),
        identifier=facts.identifier, version=course.version,
    )
    return _xsi(manifest, ns.CP, ns.ADLCP, ns.ADLSEQ, ns.ADLNAV, ns.IMSSS, ns.LOM)


# ---------------------------------------------------------------- cmi5

def cmi5_structure(facts: PackageFacts) -> etree._Element:
    """Course -> one block per SCO (a module, or the final assessment) -> its AU; moveOn from the quizzes."""
    E = ElementMaker(namespace=ns.CMI5, nsmap={None: ns.CMI5, "xsi": ns.XSI})
    course = facts.course

    def text(tag: str, value: str):  # type: ignore[no-untyped-def]
        return E(tag, E.langstring(value, lang=facts.lang))

    objectives = [E.objectives(*[
        E.objective(text("title", o.id), text("description", facts.text(o.text)),
                    id=activity_iri(facts.iri_base, course.id, "outcomes", o.id))
        for o in course.outcomes
    ])] if course.outcomes else []
    blocks = []
    for sco in facts.scos:
        iri = sco.iri(facts.iri_base, course.id)
        refs = [E.objectives(*[E.objective(idref=activity_iri(facts.iri_base, course.id, "outcomes", o))
                               for o in sco.outcomes])] if sco.outcomes else []
        au = E.au(text("title", facts.text(sco.title)), text("description", facts.text(sco.description)),
                  *refs, E.url(sco.href), id=iri + "/au",
                  moveOn="CompletedAndPassed" if sco.quizzes else "Completed", launchMethod="AnyWindow")
        if sco.mastery_percent is not None:
            au.set("masteryScore", f"{sco.mastery_percent / 100:g}")
        blocks.append(E.block(text("title", facts.text(sco.title)), text("description", facts.text(sco.description)),
                              au, id=iri))
    structure = E.courseStructure(
        E.course(text("title", facts.text(course.title)), text("description", facts.text(course.description)),
                 id=facts.course_iri),
        *objectives, *blocks)
    return _xsi(structure, ns.CMI5)
