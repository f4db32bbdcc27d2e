"""Read third-party manifests (SCORM 1.2, SCORM 2004 2nd/3rd/4th ed., cmi5, Common Cartridge) safely.

lxml parses with no network access, no DTD loading and no entity substitution, and any DOCTYPE is refused
outright (XXE, billion laughs). The result is a flat, typed description the validator and the importer share;
every problem found on the way carries the manifest line it comes from.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from lxml import etree

from courses.errors import Problem
from scorm import namespaces as ns
from scorm.sequencing_read import SequencingReader, read_organization_tree

MANIFEST_NAMES = ("imsmanifest.xml", "cmi5.xml")
MAX_MANIFEST_BYTES = 10 * 1024 * 1024


class ManifestError(ValueError):
    """The manifest cannot be read at all (not XML, DOCTYPE, unknown kind)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


@dataclass(frozen=True)
class Launchable:
    """One SCO / asset item (SCORM) or AU (cmi5) a learner can open."""

    identifier: str
    title: str
    href: str
    organization: str
    parent: str | None
    position: int
    scorm_type: str
    mastery: float | None
    line: int | None


@dataclass
class Manifest:
    kind: str
    identifier: str
    title: str
    version: str = ""
    description: str = ""
    language: str = ""
    default_organization: str = ""
    organizations: dict[str, str] = field(default_factory=dict)
    launchables: list[Launchable] = field(default_factory=list)
    files: dict[str, int | None] = field(default_factory=dict)
    """Files the manifest references (package-relative path -> manifest line)."""
    problems: list[Problem] = field(default_factory=list)
    sequencing: dict[str, list[dict]] = field(default_factory=dict)
    """SCORM 2004: each organization's activity tree with its IMS Simple Sequencing (scorm.sequencing_read)."""
    extra: dict[str, dict] = field(default_factory=dict)
    """Per launchable identifier, format-specific launch settings (cmi5: moveOn, launchMethod, parameters)."""


def parse_xml(data: bytes, name: str) -> etree._ElementTree:
    if len(data) > MAX_MANIFEST_BYTES:
        raise ManifestError(Problem(name, None, f"manifest larger than {MAX_MANIFEST_BYTES} bytes"))
    if b"<!DOCTYPE" in data[:4096].upper() or b"<!ENTITY" in data.upper():
        raise ManifestError(Problem(name, None, "DOCTYPE/ENTITY declarations are not allowed in a manifest"))
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False, dtd_validation=False,
                             huge_tree=False, remove_comments=True)
    try:
        tree = etree.ElementTree(etree.fromstring(data, parser))
    except etree.XMLSyntaxError as exc:
        raise ManifestError(Problem(name, exc.lineno, f"not well-formed XML: {exc.msg}")) from None
    if tree.docinfo.doctype:
        raise ManifestError(Problem(name, None, "DOCTYPE declarations are not allowed in a manifest"))
    return tree


def detect_kind(root: etree._Element) -> str:
    """scorm12 | scorm2004_2ed | scorm2004_3ed | scorm2004_4ed | cmi5 | cc11 | cc13."""
    tag = etree.QName(root)
    if tag == etree.QName(ns.CP12, "manifest"):
        return "scorm12"
    if tag == etree.QName(ns.CMI5, "courseStructure"):
        return "cmi5"
    if tag == etree.QName(ns.CC13, "manifest"):
        return "cc13"
    if tag == etree.QName(ns.CC11, "manifest"):
        return "cc11"
    if tag == etree.QName(ns.CP, "manifest"):
        version = (root.findtext(f"{{{ns.CP}}}metadata/{{{ns.CP}}}schemaversion") or "").strip().lower()
        if "3rd" in version:
            return "scorm2004_3ed"
        if "cam 1.3" in version or "2nd" in version:
            return "scorm2004_2ed"
        return "scorm2004_4ed"
    raise ManifestError(Problem("manifest", root.sourceline,
                                f"unknown manifest root element {root.tag!r}: not SCORM 1.2, SCORM 2004 or cmi5"))


def _base(element: etree._Element) -> str:
    return element.get(f"{{{ns.XML}}}base", "")


def _join(*parts: str) -> str:
    url = ""
    for part in parts:
        url = urljoin(url, part) if url else part
    return url


def _with_parameters(href: str, parameters: str) -> str:
    """CAM 3.4.1.12: append item parameters to the launch URL, joining with ? or & as needed."""
    if not parameters:
        return href
    parameters = parameters.lstrip("?&") if not parameters.startswith("#") else parameters
    if parameters.startswith("#"):
        return href if "#" in href else href + parameters
    return href + ("&" if "?" in href else "?") + parameters


def _first_text(element: etree._Element, paths: tuple[str, ...]) -> str:
    for path in paths:
        value = element.findtext(path)
        if value and value.strip():
            return " ".join(value.split())
    return ""


def read_scorm(tree: etree._ElementTree, kind: str, name: str = "imsmanifest.xml") -> Manifest:
    return _ScormReader(tree.getroot(), kind, name).read()


class _ScormReader:
    """One SCORM 1.2 / 2004 manifest walked once: metadata, resources and files, organizations and items."""

    def __init__(self, root: etree._Element, kind: str, name: str) -> None:
        self.root, self.name, self.scorm12 = root, name, kind == "scorm12"
        self.cp, self.adlcp = (ns.CP12, ns.ADLCP12) if self.scorm12 else (ns.CP, ns.ADLCP)
        self.manifest = Manifest(kind=kind, identifier=root.get("identifier", ""), title="",
                                 version=root.get("version", ""))
        self.resources: dict[str, etree._Element] = {}

    def q(self, tag: str) -> str:
        return f"{{{self.cp}}}{tag}"

    def problem(self, element: etree._Element, message: str) -> None:
        self.manifest.problems.append(Problem(self.name, element.sourceline, message))

    def read(self) -> Manifest:
        manifest, root = self.manifest, self.root
        self._metadata(root.find(self.q("metadata")))
        if not manifest.identifier:
            self.problem(root, "manifest has no identifier")
        self._resources(root.find(self.q("resources")))
        organizations = root.find(self.q("organizations"))
        if organizations is None or not organizations.findall(self.q("organization")):
            self.problem(root, "manifest has no <organization>")
            return manifest
        self._organizations(organizations)
        if not manifest.title:
            manifest.title = manifest.organizations.get(manifest.default_organization, manifest.identifier)
        if not manifest.launchables:
            self.problem(organizations, "no item launches a resource")
        return manifest

    def _metadata(self, metadata: etree._Element | None) -> None:
        """Title, description and language from the LOM (IMS MD 1.2.1 in SCORM 1.2, IEEE LOM in 2004)."""
        if metadata is None:
            return
        lom_ns, text_el = (ns.IMSMD12, "langstring") if self.scorm12 else (ns.LOM, "string")
        general = f"{{{lom_ns}}}lom/{{{lom_ns}}}general/{{{lom_ns}}}"
        self.manifest.title = _first_text(metadata, (f"{general}title/{{{lom_ns}}}{text_el}",))
        self.manifest.description = _first_text(metadata, (f"{general}description/{{{lom_ns}}}{text_el}",))
        self.manifest.language = _first_text(metadata, (f"{general}language",))

    def _base_of(self, resource: etree._Element) -> str:
        """xml:base of the manifest, <resources> and the resource, joined."""
        return _join(_base(self.root), _base(resource.getparent()), _base(resource))

    def _resources(self, resources_el: etree._Element | None) -> None:
        """Resources by identifier; the files they reference go into `manifest.files`."""
        if resources_el is None:
            self.problem(self.root, "manifest has no <resources>")
            return
        files = self.manifest.files
        for resource in resources_el.findall(self.q("resource")):
            rid = resource.get("identifier", "")
            if rid in self.resources:
                self.problem(resource, f"duplicate resource identifier {rid!r}")
            self.resources[rid] = resource
            res_base = self._base_of(resource)
            if resource.get("href"):
                files.setdefault(_join(res_base, resource.get("href")).split("?")[0].split("#")[0], resource.sourceline)
            for file_el in resource.findall(self.q("file")):
                if file_el.get("href"):
                    files.setdefault(_join(res_base, file_el.get("href")), file_el.sourceline)
        for resource in self.resources.values():
            for dependency in resource.findall(self.q("dependency")):
                if dependency.get("identifierref") not in self.resources:
                    self.problem(dependency, f"dependency on unknown resource {dependency.get('identifierref')!r}")

    def _organizations(self, organizations: etree._Element) -> None:
        """Organizations by identifier and every item that launches a resource, in document order."""
        manifest = self.manifest
        manifest.default_organization = organizations.get("default", "")
        ids = [o.get("identifier", "") for o in organizations.findall(self.q("organization"))]
        if manifest.default_organization and manifest.default_organization not in ids:
            self.problem(organizations, f"default organization {manifest.default_organization!r} does not exist")
        if manifest.default_organization not in ids:
            manifest.default_organization = ids[0]
        sequencing = None if self.scorm12 else SequencingReader(self.root)
        for org in organizations.findall(self.q("organization")):
            org_id = org.get("identifier", "")
            manifest.organizations[org_id] = _first_text(org, (self.q("title"),)) or org_id
            if sequencing is not None:
                manifest.sequencing[org_id] = read_organization_tree(sequencing, org, self.cp)
            stack = [(item, None) for item in reversed(org.findall(self.q("item")))]
            seen: set[str] = set()
            while stack:
                item, parent = stack.pop()
                stack.extend((child, item.get("identifier", "")) for child in reversed(item.findall(self.q("item"))))
                identifier = item.get("identifier", "")
                if not identifier or identifier in seen:
                    self.problem(item, f"item identifier {identifier!r} is empty or used twice in organization "
                                       f"{org_id!r}")
                    continue
                seen.add(identifier)
                self._launchable(item, parent, org_id)
        for line, message in sequencing.problems if sequencing is not None else []:
            manifest.problems.append(Problem(self.name, line, message))

    def _launchable(self, item: etree._Element, parent: str | None, org_id: str) -> None:
        """Record the item's launch (href with xml:base and parameters) when it points at a resource with an href."""
        item_id, ref = item.get("identifier", ""), item.get("identifierref")
        if not ref:
            return
        resource = self.resources.get(ref)
        if resource is None:
            self.problem(item, f"item {item_id!r} refers to unknown resource {ref!r}")
            return
        if not resource.get("href"):
            self.problem(resource, f"resource {ref!r} launched by item {item_id!r} has no href")
            return
        href = _with_parameters(_join(self._base_of(resource), resource.get("href", "")), item.get("parameters", ""))
        if urlsplit(href).scheme or href.startswith(("/", "\\")):
            self.problem(item, f"item {item_id!r} launches {href[:80]!r}, outside the package: only files inside the "
                               "zip are played (served under the learner's content token, sandboxed, with the run-time "
                               "API injected)")
            return
        scorm_type = resource.get(f"{{{self.adlcp}}}scormtype" if self.scorm12 else f"{{{self.adlcp}}}scormType",
                                  "asset")
        self.manifest.launchables.append(Launchable(
            identifier=item_id, title=_first_text(item, (self.q("title"),)) or item_id, href=href,
            organization=org_id, parent=parent, position=len(self.manifest.launchables) + 1,
            scorm_type=scorm_type.lower(), mastery=_mastery(item, self.scorm12, self.name, self.manifest.problems),
            line=item.sourceline))
        launch = _launch_data(item, self.scorm12)
        if launch:
            self.manifest.extra[item_id] = launch


def _launch_data(item: etree._Element, scorm12: bool) -> dict:
    """What the manifest says the LMS initialises the SCO's run-time data with (SCORM 1.2 CAM 2.3.2: adlcp:
    datafromlms, maxtimeallowed, timelimitaction; SCORM 2004 CAM 3.4.1.x: adlcp:dataFromLMS, timeLimitAction,
    completionThreshold, and the objectives of the item's sequencing, RTE 4.2.17), keyed by CMI element."""
    adlcp = ns.ADLCP12 if scorm12 else ns.ADLCP
    found: dict = {}

    def text(tag: str) -> str:
        return (item.findtext(f"{{{adlcp}}}{tag}") or "").strip()

    if scorm12:
        found.update(launch_data=text("datafromlms")[:4096], max_time_allowed=text("maxtimeallowed")[:13],
                     time_limit_action=text("timelimitaction")[:20])
        return {k: v for k, v in found.items() if v}
    found.update(launch_data=text("dataFromLMS")[:4000], time_limit_action=text("timeLimitAction")[:20])
    threshold = item.find(f"{{{adlcp}}}completionThreshold")
    if threshold is not None:  # 3rd edition: the value as text; 4th: minProgressMeasure when completedByMeasure
        value = (threshold.text or "").strip() or (
            threshold.get("minProgressMeasure", "1.0") if threshold.get("completedByMeasure") == "true" else "")
        if _number(value) is not None and 0 <= float(value) <= 1:
            found["completion_threshold"] = value
    sequencing = item.find(f"{{{ns.IMSSS}}}sequencing")
    if sequencing is not None:
        limits = sequencing.find(f"{{{ns.IMSSS}}}limitConditions")
        if limits is not None and limits.get("attemptAbsoluteDurationLimit"):
            found["max_time_allowed"] = limits.get("attemptAbsoluteDurationLimit", "")[:100]
        objectives = sequencing.find(f"{{{ns.IMSSS}}}objectives")
        ids = [o.get("objectiveID", "").strip() for o in objectives.iterchildren(
            f"{{{ns.IMSSS}}}primaryObjective", f"{{{ns.IMSSS}}}objective")] if objectives is not None else []
        found["objectives"] = list(dict.fromkeys(i[:4000] for i in ids if i))[:100]
    return {k: v for k, v in found.items() if v}


def _mastery(item: etree._Element, scorm12: bool, name: str, problems: list[Problem]) -> float | None:
    """Mastery as a fraction: adlcp:masteryscore (0-100) in 1.2, the primary objective's measure in 2004."""
    if scorm12:
        raw = item.findtext(f"{{{ns.ADLCP12}}}masteryscore")
        if raw is None:
            return None
        try:
            value = float(raw)
        except ValueError:
            value = -1
        if not 0 <= value <= 100:
            problems.append(Problem(name, item.sourceline, f"adlcp:masteryscore {raw!r} is not a number from 0 to 100"))
            return None
        return value / 100
    primary = item.find(f"{{{ns.IMSSS}}}sequencing/{{{ns.IMSSS}}}objectives/{{{ns.IMSSS}}}primaryObjective")
    if primary is None or primary.get("satisfiedByMeasure") != "true":
        return None
    raw = primary.findtext(f"{{{ns.IMSSS}}}minNormalizedMeasure") or "1.0"
    try:
        value = float(raw)
    except ValueError:
        value = -2
    if not -1 <= value <= 1:
        problems.append(Problem(name, primary.sourceline, f"minNormalizedMeasure {raw!r} is not in [-1, 1]"))
        return None
    return value


def _number(raw: str | None) -> float | None:
    try:
        return float(raw) if raw else None
    except ValueError:
        return None


def read_cmi5(tree: etree._ElementTree, name: str = "cmi5.xml") -> Manifest:
    root = tree.getroot()
    q = lambda tag: f"{{{ns.CMI5}}}{tag}"  # noqa: E731
    course = root.find(q("course"))
    title = _first_text(course, (f"{q('title')}/{q('langstring')}",)) if course is not None else ""
    manifest = Manifest(kind="cmi5", identifier=course.get("id", "") if course is not None else "", title=title)
    if course is None:
        manifest.problems.append(Problem(name, root.sourceline, "cmi5.xml has no <course>"))
    manifest.default_organization = "course"
    manifest.organizations["course"] = title
    seen: set[str] = set()
    for position, au in enumerate(root.iter(q("au")), start=1):
        if not au.get("id") or au.get("id") in seen:
            manifest.problems.append(Problem(name, au.sourceline, f"AU id {au.get('id', '')!r} is empty or used twice"))
            continue
        seen.add(au.get("id", ""))
        url = (au.findtext(q("url")) or "").strip()
        if not url:
            manifest.problems.append(Problem(name, au.sourceline, "AU has no <url>"))
            continue
        scheme = urlsplit(url).scheme.lower()
        if scheme and scheme not in ("http", "https"):
            manifest.problems.append(Problem(name, au.sourceline, f"AU url {url[:80]!r}: only a path in the package "
                                                                  "or an http(s) URL can be launched"))
            continue
        if "://" not in url:
            manifest.files.setdefault(url.split("?")[0].split("#")[0], au.sourceline)
        parent = au.getparent()
        mastery = _number(au.get("masteryScore"))
        if mastery is not None and not 0 <= mastery <= 1:
            manifest.problems.append(Problem(name, au.sourceline, f"masteryScore {au.get('masteryScore')!r} is not "
                                                                  "a number from 0 to 1"))
            mastery = None
        manifest.extra[au.get("id", "")] = {
            "activityId": au.get("id", ""), "courseId": manifest.identifier,
            "blocks": [b.get("id", "") for b in au.iterancestors(q("block")) if b.get("id")],
            "moveOn": au.get("moveOn", "NotApplicable"), "launchMethod": au.get("launchMethod", "AnyWindow"),
            "launchParameters": (au.findtext(q("launchParameters")) or "").strip(),
            "entitlementKey": (au.findtext(q("entitlementKey")) or "").strip()}
        manifest.launchables.append(Launchable(
            identifier=au.get("id", ""), title=_first_text(au, (f"{q('title')}/{q('langstring')}",)) or url, href=url,
            organization="course", parent=parent.get("id") if parent is not None and parent.tag == q("block") else None,
            position=position, scorm_type="au", mastery=mastery, line=au.sourceline))
    if not manifest.launchables:
        manifest.problems.append(Problem(name, root.sourceline, "cmi5.xml has no AU"))
    return manifest


def read_cartridge(tree: etree._ElementTree, kind: str, name: str) -> Manifest:
    """A Common Cartridge: its files (for the referenced-file checks) and items that point at no resource."""
    root = tree.getroot()
    space = ns.CC11 if kind == "cc11" else ns.CC13
    manifest = Manifest(kind=kind, identifier=root.get("identifier", ""), title="")
    resources = {r.get("identifier"): r for r in root.iter(f"{{{space}}}resource")}
    for resource in resources.values():
        for file in resource.iter(f"{{{space}}}file"):
            if file.get("href"):
                manifest.files.setdefault(file.get("href"), file.sourceline)
    for item in root.iter(f"{{{space}}}item"):
        ref = item.get("identifierref")
        if ref is not None and ref not in resources:
            manifest.problems.append(Problem(name, item.sourceline, f"item {item.get('identifier')!r} points at "
                                                                    f"no resource ({ref!r})"))
    return manifest


def read_manifest(data: bytes, name: str) -> tuple[etree._ElementTree, Manifest]:
    tree = parse_xml(data, name)
    kind = detect_kind(tree.getroot())
    if kind == "cmi5":
        return tree, read_cmi5(tree, name)
    if kind in ("cc11", "cc13"):
        return tree, read_cartridge(tree, kind, name)
    return tree, read_scorm(tree, kind, name)
