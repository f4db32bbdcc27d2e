"""`mirco packages validate`: structural checks plus XSD validation of any SCORM / cmi5 / CC package zip.

Structural: the zip is safe to unpack, the manifest sits at the zip root, every referenced file exists,
items point at existing resources. Schemas: the manifest against the official XSDs for its version (see
scorm.schemas); when no schemas are installed the report says that this part was skipped.
"""
from __future__ import annotations

import copy
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

from lxml import etree

from scorm import namespaces as ns
from scorm.manifest_read import MANIFEST_NAMES, Manifest, ManifestError, Problem, parse_xml, read_manifest
from scorm.safezip import UnsafePackage, ZipLimits, checked_members, read_member
from scorm.schemas import SchemaUnavailable, load_schema

SCHEMA_FALLBACK = {"scorm2004_2ed": "scorm2004_4ed", "scorm2004_3ed": "scorm2004_4ed"}
"""The 4th-edition set accepts 2nd/3rd-edition manifests (ADL made it a superset), so use it when missing."""
REMOTE_ASSET = re.compile(rb"""<(?:script|link)\b[^>]*\b(?:src|href)\s*=\s*["']?(?:https?:)?//""", re.I)


@dataclass
class ValidationReport:
    package: str
    kind: str | None = None
    manifest: Manifest | None = None
    problems: list[Problem] = field(default_factory=list)
    """Structural problems: the package cannot be played or imported as it is."""
    schema_errors: list[Problem] = field(default_factory=list)
    """Where the manifest breaks the official XML Schemas."""
    warnings: list[Problem] = field(default_factory=list)
    schema_checked: bool = False
    schema_note: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems and not self.schema_errors

    @property
    def all_problems(self) -> list[Problem]:
        return self.problems + self.schema_errors


def schema_problems(tree: etree._ElementTree, kind: str, name: str,
                    schemas_dir: Path | None) -> tuple[list[Problem], bool, str]:
    """(problems, checked, note) for one manifest against its official schema set."""
    if kind == "cc13":
        return [], False, "schema validation skipped: no IMS Common Cartridge 1.3 schemas are installed"
    wanted = kind
    try:
        schema, folder = load_schema(wanted, schemas_dir)
    except etree.XMLSchemaParseError as exc:
        return [Problem(name, None, f"the {kind} schemas could not be loaded: {exc}")], False, "schemas broken"
    except SchemaUnavailable:
        if kind not in SCHEMA_FALLBACK:
            return [], False, f"schema validation skipped: no {kind} schemas found (set MIRCO_SCORM_SCHEMAS)"
        wanted = SCHEMA_FALLBACK[kind]
        try:
            schema, folder = load_schema(wanted, schemas_dir)
        except SchemaUnavailable:
            return [], False, f"schema validation skipped: no {kind} schemas found (set MIRCO_SCORM_SCHEMAS)"
    document = tree
    note = f"validated against the {wanted} schemas in {folder}"
    if kind not in ("scorm12", "cmi5", "cc11") and not (folder / ns.SCHEMA_LOCATIONS[ns.LOM]).is_file():
        document = copy.deepcopy(tree)
        for element in document.getroot().iter(f"{{{ns.LOM}}}lom"):
            element.getparent().remove(element)
        note += " (this set has no LOM schema: LOM metadata not schema-checked)"
    schema.validate(document)
    problems = [Problem(name, error.line, error.message) for error in schema.error_log]
    return problems, True, note


def _find_manifest(names: list[PurePosixPath]) -> tuple[str | None, list[str]]:
    root = [str(p) for p in names if str(p) in MANIFEST_NAMES]
    nested = [str(p) for p in names if p.name in MANIFEST_NAMES and len(p.parts) > 1]
    return (root[0] if root else None), nested


def validate_package(path: Path, schemas_dir: Path | None = None, limits: ZipLimits = ZipLimits()) -> ValidationReport:
    """Every problem found in the package at `path`; never raises for a bad package."""
    report = ValidationReport(package=str(path))
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        report.problems.append(Problem(path.name, None, f"not a readable zip file: {exc}"))
        return report
    with archive:
        try:
            members = checked_members(archive, limits)
        except UnsafePackage as exc:
            report.problems.append(Problem(path.name, None, f"unsafe zip: {exc}"))
            return report
        by_path = {str(p): info for info, p in members}
        manifest_name, nested = _find_manifest([p for _, p in members])
        if manifest_name is None:
            where = f" (found {', '.join(nested)}: the manifest must be at the zip root)" if nested else ""
            report.problems.append(Problem(path.name, None, f"no imsmanifest.xml or cmi5.xml at the zip root{where}"))
            return report
        try:
            data = read_member(archive, by_path[manifest_name], 10 * 1024 * 1024)
            tree, manifest = read_manifest(data, manifest_name)
        except (ManifestError, UnsafePackage) as exc:
            report.problems.append(exc.problem if isinstance(exc, ManifestError) else Problem(manifest_name, None, str(exc)))
            return report
        report.kind, report.manifest = manifest.kind, manifest
        report.problems.extend(manifest.problems)
        for referenced, line in manifest.files.items():
            relative = unquote(referenced.split("?")[0].split("#")[0])
            if "://" in relative or relative.startswith("//"):
                continue
            relative = posixpath.normpath(relative.replace("\\", "/"))  # `./a.html`, `sub/../a.html` are `a.html`
            if relative == ".." or relative.startswith(("../", "/")):
                report.problems.append(Problem(manifest_name, line, f"referenced file {referenced!r} is outside the package"))
            elif relative not in by_path:
                report.problems.append(Problem(manifest_name, line, f"referenced file {referenced!r} is not in the zip"))
        for name, info in by_path.items():
            if not name.lower().endswith((".html", ".htm")):
                continue
            try:
                page = read_member(archive, info, info.file_size)
            except UnsafePackage as exc:
                report.problems.append(Problem(name, None, str(exc)))
                continue
            if REMOTE_ASSET.search(page):
                report.warnings.append(Problem(name, None, "loads a script or stylesheet from the network (CDN): "
                                                           "the package will not work offline"))
        report.schema_errors, report.schema_checked, report.schema_note = schema_problems(
            tree, manifest.kind, manifest_name, schemas_dir)
        if manifest.kind == "cc11" and report.schema_checked:
            report.schema_errors.extend(_cartridge_link_problems(archive, by_path, tree, schemas_dir))
    return report


CC11_LINK_SETS = {"imsbasiclti_xmlv1p0": "cc11_lti", "imswl_xmlv1p1": "cc11_weblink"}


def _cartridge_link_problems(archive: zipfile.ZipFile, by_path: dict, tree: etree._ElementTree,
                             schemas_dir: Path | None) -> list[Problem]:
    """Each CC 1.1 LTI link and web link file against its own schema (Moodle's converter checks them too)."""
    problems: list[Problem] = []
    for resource in tree.getroot().iter(f"{{{ns.CC11}}}resource"):
        wanted = CC11_LINK_SETS.get(resource.get("type", ""))
        file = resource.find(f"{{{ns.CC11}}}file")
        if wanted is None or file is None or file.get("href") not in by_path:
            continue
        name = file.get("href")
        try:
            schema, _ = load_schema(wanted, schemas_dir)
            link_tree = parse_xml(read_member(archive, by_path[name], 1024 * 1024), name)
        except SchemaUnavailable:
            return [Problem(name, None, f"the {wanted} schema is missing next to the cc11 schemas")]
        except (ManifestError, UnsafePackage) as exc:
            problems.append(exc.problem if isinstance(exc, ManifestError) else Problem(name, None, str(exc)))
            continue
        schema.validate(link_tree)
        problems.extend(Problem(name, error.line, error.message) for error in schema.error_log)
    return problems
