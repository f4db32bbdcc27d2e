"""Course -> package zip (SCORM 1.2, SCORM 2004 4th ed., cmi5, IMS Common Cartridge 1.1 or 1.3).

The SCORM and cmi5 zips carry a self-contained static player (no server, no CDN): one HTML page per SCO,
the shared player core, the one adapter for the chosen format, and `content.js` with the rendered lessons.
"""
from __future__ import annotations

import html
import os
import secrets
import zipfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from lxml import etree

from courses.model import Course
from scorm.cartridge import CC_VERSIONS, cartridge_files
from scorm.content import ContentBuilder, content_script
from scorm.formats import FORMATS, SCO_GRANULARITY, SEQUENCING, SUSPEND_LIMITS
from scorm.manifests import PackageFacts, cmi5_structure, scorm12_manifest, scorm2004_manifest
from scorm.plan import plan_scos

RUNTIME = resources.files("scorm") / "runtime"
CORE_FILES = ("player.js", "player.css", "adapter-base.js")
FIXED_TIME = (2026, 1, 1, 0, 0, 0)  # same bytes for the same course: reproducible packages


class ExportError(ValueError):
    """The export cannot be made as asked (unknown format, language the course lacks...)."""


@dataclass(frozen=True)
class ExportResult:
    path: Path
    format: str
    scos: int
    files: int
    bytes: int


def _xml(element: etree._Element) -> bytes:
    return etree.tostring(element, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def package_files(course: Course, fmt: str, *, per: str = "module", lang: str | None = None,
                  iri_base: str, base_url: str, sequencing: str = "portable",
                  cc_version: str | None = None) -> dict[str, bytes]:
    """Every file of the package by its path in the zip (manifest first). `cc_version` (Common Cartridge
    only): 1.1 (default, what Moodle restores) or 1.3."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if per not in SCO_GRANULARITY:
        raise ExportError(f"--sco-per must be one of {', '.join(SCO_GRANULARITY)}")
    if sequencing not in SEQUENCING:
        raise ExportError(f"--sequencing must be one of {', '.join(SEQUENCING)}")
    if sequencing != "portable" and fmt != "scorm2004":
        raise ExportError(f"--sequencing {sequencing} applies to SCORM 2004 only, not to {fmt}")
    if cc_version is not None and fmt != "cc":
        raise ExportError(f"--cc-version applies to the cc format only, not to {fmt}")
    if cc_version is not None and cc_version not in CC_VERSIONS:
        raise ExportError(f"--cc-version must be one of {', '.join(CC_VERSIONS)}")
    lang = lang or course.default_language
    if not course.offers(lang):
        raise ExportError(f"course {course.id} has no {lang!r} text; languages: "
                          f"{', '.join(course.offered_languages())}")
    scos = plan_scos(course, per)
    if fmt == "cc":
        identifier = PackageFacts(course, lang, iri_base, scos, ()).identifier
        return cartridge_files(course, lang, identifier, base_url, cc_version or CC_VERSIONS[0])
    builder = ContentBuilder(course, lang, iri_base)
    content = content_script(builder.build(fmt, scos, SUSPEND_LIMITS[fmt]))
    adapter = f"adapter-{fmt}.js"
    files: dict[str, bytes] = {}
    shared = {name: (RUNTIME / name).read_bytes() for name in (*CORE_FILES, adapter)}
    shared["content.js"] = content.encode("utf-8")
    shared.update({name: path.read_bytes() for name, path in sorted(builder.media.files.items())})
    facts = PackageFacts(course, lang, iri_base, scos, tuple(shared))
    if fmt == "scorm12":
        files["imsmanifest.xml"] = _xml(scorm12_manifest(facts))
    elif fmt == "scorm2004":
        files["imsmanifest.xml"] = _xml(scorm2004_manifest(facts, sequencing))
    else:
        files["cmi5.xml"] = _xml(cmi5_structure(facts))
    template = (RUNTIME / "sco.html").read_text(encoding="utf-8")
    for sco in scos:
        files[sco.href] = template.format(
            lang=html.escape(lang), title=html.escape(sco.title.get(lang)), adapter=adapter, sco=sco.key,
            course=html.escape(course.title.get(lang))).encode("utf-8")
    files.update(shared)
    return files


def write_zip(files: dict[str, bytes], target: Path) -> int:
    """Write atomically (temp file + rename): a failed export never leaves a half-written zip behind."""
    target.parent.mkdir(parents=True, exist_ok=True)
    # Not mkstemp (mode 0600): a package is for sharing, so the file gets the usual 0666 minus the umask.
    temp = target.parent / f".export-{secrets.token_hex(8)}.zip"
    try:
        with open(temp, "xb") as handle, zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in files.items():
                info = zipfile.ZipInfo(name, FIXED_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                archive.writestr(info, data)
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return target.stat().st_size


def export_course(course: Course, fmt: str, target: Path, *, per: str = "module", lang: str | None = None,
                  iri_base: str, base_url: str, sequencing: str = "portable",
                  cc_version: str | None = None) -> ExportResult:
    files = package_files(course, fmt, per=per, lang=lang, iri_base=iri_base, base_url=base_url,
                          sequencing=sequencing, cc_version=cc_version)
    size = write_zip(files, target)
    return ExportResult(target, fmt, len(plan_scos(course, per)), len(files), size)


def default_name(course: Course, fmt: str, lang: str | None = None) -> str:
    suffix = f"-{lang}" if lang and lang != course.default_language else ""
    return f"{course.id}-{course.version}-{fmt}{suffix}.zip"
