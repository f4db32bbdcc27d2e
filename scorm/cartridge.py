"""Course -> IMS Common Cartridge (1.1 by default, 1.3 on request): LTI links to this tool and web links.

Shaped for Moodle's converter (backup/cc/, which restores CC 1.0 and 1.1 only; docs/moodle-import.md says what it
keeps): one organization item per module directly under the root item (Moodle makes each a section), the module's
LTI links inside it, the final assessment and the e-library as their own sections. Each link's launch URL names
its lesson or quiz (courses.launch_url), because the converter drops `blti:custom`; graded links (quizzes) say so
in a `blti:extensions` block, which LMSs that read extensions use and Moodle ignores (it grades every LTI
activity out of 100).
"""
from __future__ import annotations

from dataclasses import dataclass

from lxml import etree
from lxml.builder import ElementMaker

from courses.launch_url import launch_url
from courses.model import Course, Quiz
from courses.translit import to_cyrillic
from scorm import namespaces as ns

CC_VERSIONS: tuple[str, ...] = ("1.1", "1.3")
SCORE_MAXIMUM = 100
LIBRARY_TITLES = {"en": "E-library", "sr-Latn": "E-biblioteka"}


@dataclass(frozen=True)
class CartridgeVersion:
    """Namespaces, resource types and schema locations that differ between CC 1.1 and CC 1.3."""

    version: str
    manifest: str
    lom: str
    lti: str
    lti_type: str
    weblink: str
    weblink_type: str
    schema_location: str


VERSIONS = {
    "1.1": CartridgeVersion(
        "1.1.0", ns.CC11, ns.CC11_LOM, ns.CC11_LTI, "imsbasiclti_xmlv1p0", ns.CC11_WL, "imswl_xmlv1p1",
        f"{ns.CC11} http://www.imsglobal.org/profile/cc/ccv1p1/ccv1p1_imscp_v1p2_v1p0.xsd "
        f"{ns.CC11_LOM} http://www.imsglobal.org/profile/cc/ccv1p1/LOM/ccv1p1_lommanifest_v1p0.xsd"),
    "1.3": CartridgeVersion(
        "1.3.0", ns.CC13, ns.CC13_LOM, ns.CC13_LTI, "imsbasiclti_xmlv1p3", ns.CC13_WL, "imswl_xmlv1p3",
        f"{ns.CC13} http://www.imsglobal.org/profile/cc/ccv1p3/ccv1p3_imscp_v1p2_v1p0.xsd "
        f"{ns.CC13_LOM} http://www.imsglobal.org/profile/cc/ccv1p3/LOM/ccv1p3_lommanifest_v1p0.xsd"),
}


def _xml(element: etree._Element) -> bytes:
    return etree.tostring(element, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def library_title(lang: str) -> str:
    """The e-library section's title in the package language (Serbian Cyrillic transliterated)."""
    if lang.startswith(("sr-Latn", "bs", "hr")):
        return LIBRARY_TITLES["sr-Latn"]
    if lang.startswith("sr"):
        return to_cyrillic(LIBRARY_TITLES["sr-Latn"])
    return LIBRARY_TITLES["en"]


class _Builder:
    """Collects the organization items and the files of their resources."""

    def __init__(self, course: Course, lang: str, base_url: str, version: CartridgeVersion) -> None:
        self.course, self.lang, self.base_url, self.v = course, lang, base_url.rstrip("/"), version
        self.E = ElementMaker(namespace=version.manifest)
        self.files: dict[str, bytes] = {}
        self.resources: list[etree._Element] = []

    def _resource(self, key: str, path: str, kind: str, document: etree._Element) -> None:
        self.files[path] = _xml(document)
        self.resources.append(self.E.resource(self.E.file(href=path), identifier=f"R-{key}", type=kind))

    def lti_item(self, key: str, title: str, description: str, url: str, graded: bool) -> etree._Element:
        self._resource(key, f"lti/{key}.xml", self.v.lti_type, lti_link(self.v, title, description, url, graded))
        return self.E.item(self.E.title(title), identifier=f"I-{key}", identifierref=f"R-{key}")

    def quiz_item(self, key: str, quiz: Quiz, description: str, module: str | None) -> etree._Element:
        url = launch_url(self.base_url, self.course.id, module, quiz=quiz.id)
        return self.lti_item(key, quiz.title.get(self.lang), description, url, graded=True)

    def section(self, key: str, title: str, children: list[etree._Element]) -> etree._Element:
        return self.E.item(self.E.title(title), *children, identifier=f"S-{key}")

    def sections(self) -> list[etree._Element]:
        """Keys are positions (m2-l3, m2-quiz, final, lib4): unique whatever characters the author's ids use."""
        course, lang = self.course, self.lang
        found = []
        for m, module in enumerate(course.modules, 1):
            about = module.description.get(lang)
            children = [self.lti_item(f"m{m}-l{n}", lesson.title.get(lang), about,
                                      launch_url(self.base_url, course.id, module.id, lesson=lesson.id), False)
                        for n, lesson in enumerate(module.lessons, 1)]
            if module.quiz:
                children.append(self.quiz_item(f"m{m}-quiz", module.quiz, about, module.id))
            found.append(self.section(f"m{m}", module.title.get(lang), children))
        if course.final_assessment:
            final = course.final_assessment
            found.append(self.section("final", final.title.get(lang),
                                      [self.quiz_item("final", final, course.title.get(lang), None)]))
        if course.library:
            links = []
            for n, resource in enumerate(course.library, 1):
                url = f"{self.base_url}/library/{course.id}/{resource.id}"
                self._resource(f"lib{n}", f"weblinks/lib{n}.xml", self.v.weblink_type,
                               web_link(self.v, resource.title.get(lang), url))
                links.append(self.E.item(self.E.title(resource.title.get(lang)), identifier=f"I-lib{n}",
                                         identifierref=f"R-lib{n}"))
            found.append(self.section("library", library_title(lang), links))
        return found


def cartridge_files(course: Course, lang: str, identifier: str, base_url: str, version: str) -> dict[str, bytes]:
    """Every file of the cartridge by its path in the zip, the manifest first."""
    builder = _Builder(course, lang, base_url, VERSIONS[version])
    sections = builder.sections()
    return {"imsmanifest.xml": _xml(cc_manifest(builder, identifier, sections)), **builder.files}


def cc_manifest(builder: _Builder, identifier: str, sections: list[etree._Element]) -> etree._Element:
    """The manifest. The default namespace comes first on the root element: Moodle recognises a CC 1.1
    cartridge by finding `xmlns="…/imsccv1p1/imscp_v1p1"` in the manifest's first 500 bytes."""
    v, course, lang = builder.v, builder.course, builder.lang
    E = ElementMaker(namespace=v.manifest, nsmap={None: v.manifest, "lomimscc": v.lom, "xsi": ns.XSI})
    M = ElementMaker(namespace=v.lom)
    metadata = E.metadata(E.schema("IMS Common Cartridge"), E.schemaversion(v.version), M.lom(M.general(
        M.title(M.string(course.title.get(lang), language=lang)), M.language(lang),
        M.description(M.string(course.description.get(lang), language=lang)))))
    manifest = E.manifest(
        metadata,
        E.organizations(E.organization(E.item(*sections, identifier="ROOT"), identifier="ORG",
                                       structure="rooted-hierarchy")),
        E.resources(*builder.resources), identifier=identifier)
    manifest.set(f"{{{ns.XSI}}}schemaLocation", v.schema_location)
    return manifest


def lti_link(v: CartridgeVersion, title: str, description: str, url: str, graded: bool) -> etree._Element:
    """One `cartridge_basiclti_link`. The launch URL alone names the content (no `blti:custom`)."""
    E = ElementMaker(namespace=v.lti, nsmap={None: v.lti, "blti": ns.BLTI, "lticm": ns.LTICM, "lticp": ns.LTICP})
    B = ElementMaker(namespace=ns.BLTI)
    CM = ElementMaker(namespace=ns.LTICM)
    CP = ElementMaker(namespace=ns.LTICP)
    parts = [B.title(title), B.description(description)]
    if graded:
        parts.append(B.extensions(CM.property("true", name="graded"),
                                  CM.property(str(SCORE_MAXIMUM), name="score_maximum"), platform="mirco"))
    parts.append(B.launch_url(url))
    if url.startswith("https://"):
        parts.append(B.secure_launch_url(url))
    parts.append(B.vendor(CP.code("mirco"), CP.name("MIRCO Learning Suite")))
    return E.cartridge_basiclti_link(*parts)


def web_link(v: CartridgeVersion, title: str, url: str) -> etree._Element:
    """One `webLink`: the e-library entry's page on the tool (citation, source link, attached file)."""
    W = ElementMaker(namespace=v.weblink, nsmap={None: v.weblink})
    return W.webLink(W.title(title), W.url(href=url, target="_blank"))
