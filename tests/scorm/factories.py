"""Builders for package zips in tests: valid exports and hand-made hostile or broken ones."""
from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path

from courses.model import Course
from scorm.export import package_files, write_zip

IRI_BASE = "https://mirco.example.org/xapi/activities"
BASE_URL = "https://mirco.example.org"


def export_files(course: Course, fmt: str, per: str = "module", lang: str | None = None,
                 sequencing: str = "portable") -> dict[str, bytes]:
    return package_files(course, fmt, per=per, lang=lang, iri_base=IRI_BASE, base_url=BASE_URL, sequencing=sequencing)


def export_zip(course: Course, fmt: str, target: Path, per: str = "module", sequencing: str = "portable") -> Path:
    write_zip(export_files(course, fmt, per, sequencing=sequencing), target)
    return target


def make_zip(target: Path, entries: dict[str, bytes | str], *, symlinks: tuple[str, ...] = (),
             encrypted: tuple[str, ...] = ()) -> Path:
    """A zip with exactly these raw member names (no normalisation), optionally marking members as links or as
    encrypted."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = ((stat.S_IFLNK | 0o777) if name in symlinks else (stat.S_IFREG | 0o644)) << 16
            archive.writestr(info, data.encode() if isinstance(data, str) else data)
    data = bytearray(buffer.getvalue())
    for name in encrypted:  # zipfile cannot write the flag: set bit 0 in the local and the central header
        with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
            offset = archive.getinfo(name).header_offset
        data[offset + 6] |= 0x1
        central = data.find(b"PK\x01\x02")
        while central != -1:
            length = int.from_bytes(data[central + 28:central + 30], "little")
            if bytes(data[central + 46:central + 46 + length]) == name.encode():
                data[central + 8] |= 0x1
            central = data.find(b"PK\x01\x02", central + 4)
    target.write_bytes(bytes(data))
    return target


def corrupt_member(target: Path, name: str) -> Path:
    """Damage the deflate data of member `name` in place (a disk or transfer error the zip headers do not show)."""
    data = bytearray(target.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo(name)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start:start + 4] = bytes(b ^ 0xFF for b in data[start:start + 4])
    target.write_bytes(bytes(data))
    return target


SCORM12_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="PKG-{ident}" version="1.0" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
 xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
 <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
 <organizations default="ORG1">
  <organization identifier="ORG1"><title>{title}</title>
   <item identifier="I1" identifierref="R1"><title>Part one</title><adlcp:masteryscore>80</adlcp:masteryscore></item>
   <item identifier="I2" identifierref="R2" parameters="?part=2"><title>Part two</title></item>
  </organization>
  <organization identifier="ORG2"><title>Alternative order</title>
   <item identifier="J1" identifierref="R2"><title>Part two first</title></item>
  </organization>
 </organizations>
 <resources>
  <resource identifier="R1" type="webcontent" adlcp:scormtype="sco" href="one.html"><file href="one.html"/></resource>
  <resource identifier="R2" type="webcontent" adlcp:scormtype="sco" href="two.html" xml:base="sub/"><file href="two.html"/></resource>
 </resources>
</manifest>"""

SCORM2004_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="PKG-{ident}" version="1" xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
 xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3" xmlns:imsss="http://www.imsglobal.org/xsd/imsss"
 xmlns:lom="http://ltsc.ieee.org/xsd/LOM" xml:base="content/">
 <metadata><schema>ADL SCORM</schema><schemaversion>{version}</schemaversion>
  <lom:lom><lom:general><lom:title><lom:string language="en">{title}</lom:string></lom:title>
   <lom:description><lom:string language="en">A package made by hand.</lom:string></lom:description></lom:general></lom:lom>
 </metadata>
 <organizations default="ORG1">
  <organization identifier="ORG1"><title>Organisation</title>
   <item identifier="I1" identifierref="R1"><title>Module one</title>
    <imsss:sequencing><imsss:objectives><imsss:primaryObjective objectiveID="P1" satisfiedByMeasure="true">
     <imsss:minNormalizedMeasure>0.75</imsss:minNormalizedMeasure></imsss:primaryObjective></imsss:objectives>
    </imsss:sequencing></item>
   <item identifier="I2"><title>Folder</title>
    <item identifier="I3" identifierref="R2"><title>Nested SCO</title></item>
   </item>
  </organization>
 </organizations>
 <resources>
  <resource identifier="R1" type="webcontent" adlcp:scormType="sco" href="a.html"><file href="a.html"/></resource>
  <resource identifier="R2" type="webcontent" adlcp:scormType="sco" href="b.html"><file href="b.html"/>
   <dependency identifierref="R3"/></resource>
  <resource identifier="R3" type="webcontent" adlcp:scormType="asset"><file href="shared.js"/></resource>
 </resources>
</manifest>"""

SCO_PAGE = "<!doctype html><title>SCO</title><p>Hello</p>"


def scorm12_package(target: Path, *, title: str = "Hand-made SCORM 1.2", ident: str = "12",
                    manifest: str | None = None, extra: dict[str, bytes | str] | None = None) -> Path:
    entries: dict[str, bytes | str] = {
        "imsmanifest.xml": manifest if manifest is not None else SCORM12_MANIFEST.format(title=title, ident=ident),
        "one.html": SCO_PAGE, "sub/two.html": SCO_PAGE}
    entries.update(extra or {})
    return make_zip(target, entries)


def scorm2004_package(target: Path, *, version: str = "2004 4th Edition", title: str = "Hand-made 2004",
                      ident: str = "2004") -> Path:
    return make_zip(target, {
        "imsmanifest.xml": SCORM2004_MANIFEST.format(version=version, title=title, ident=ident),
        "content/a.html": SCO_PAGE, "content/b.html": SCO_PAGE, "content/shared.js": "void 0;"})


SEQUENCED_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="PKG-SEQ-{ident}" version="1" xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
 xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3" xmlns:imsss="http://www.imsglobal.org/xsd/imsss">
 <metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>
 <organizations default="ORG">
  <organization identifier="ORG"><title>{title}</title>
   <item identifier="S1" identifierref="R1"><title>Prerequisite</title>
    <imsss:sequencing><imsss:objectives><imsss:primaryObjective objectiveID="s1-done">
     <imsss:mapInfo targetObjectiveID="g-s1" readSatisfiedStatus="false" writeSatisfiedStatus="true"/>
    </imsss:primaryObjective></imsss:objectives></imsss:sequencing></item>
   <item identifier="S2" identifierref="R2"><title>Needs the prerequisite</title>
    <imsss:sequencing><imsss:sequencingRules><imsss:preConditionRule>
      <imsss:ruleConditions><imsss:ruleCondition referencedObjective="prereq" operator="not" condition="satisfied"/>
      </imsss:ruleConditions><imsss:ruleAction action="disabled"/></imsss:preConditionRule></imsss:sequencingRules>
     <imsss:objectives><imsss:primaryObjective objectiveID="s2-done"/>
      <imsss:objective objectiveID="prereq"><imsss:mapInfo targetObjectiveID="g-s1" readSatisfiedStatus="true"/>
      </imsss:objective></imsss:objectives></imsss:sequencing></item>
   <item identifier="S3" identifierref="R3"><title>One attempt only</title>
    <imsss:sequencing><imsss:limitConditions attemptLimit="1"/></imsss:sequencing></item>
   <imsss:sequencing><imsss:controlMode choice="{choice}" flow="true" forwardOnly="{forward_only}"/></imsss:sequencing>
  </organization>
 </organizations>
 <resources>
  <resource identifier="R1" type="webcontent" adlcp:scormType="sco" href="s1.html"><file href="s1.html"/></resource>
  <resource identifier="R2" type="webcontent" adlcp:scormType="sco" href="s2.html"><file href="s2.html"/></resource>
  <resource identifier="R3" type="webcontent" adlcp:scormType="sco" href="s3.html"><file href="s3.html"/></resource>
 </resources>
</manifest>"""

SEQUENCED_SCO = """<!doctype html><html><head><meta charset="utf-8"><title>{name}</title></head><body>
<h1>{name}</h1>
<button id="pass">Pass</button> <button id="fail">Fail</button> <button id="continue">Next</button>
<button id="choose">Choose S3</button>
<script>
var api = window.API_1484_11;  // SCORM discovery starts at the SCO's own window (the bridge defines it there)
api.Initialize("");
function finish(status, score, nav) {{
  api.SetValue("cmi.completion_status", "completed");
  api.SetValue("cmi.success_status", status);
  api.SetValue("cmi.score.scaled", String(score));
  api.SetValue("cmi.exit", "normal");
  if (nav) api.SetValue("adl.nav.request", nav);
  api.Commit("");
  api.Terminate("");
  document.body.setAttribute("data-done", "1");
}}
document.getElementById("pass").onclick = function () {{ finish("passed", {score}, "continue"); }};
document.getElementById("fail").onclick = function () {{ finish("failed", 0.2, ""); }};
document.getElementById("continue").onclick = function () {{ api.SetValue("adl.nav.request", "continue"); api.Terminate(""); }};
document.getElementById("choose").onclick = function () {{ api.SetValue("adl.nav.request", "{{target=S3}}choice"); api.Terminate(""); }};
document.body.setAttribute("data-ready", "1");
</script></body></html>"""


def sequenced_package(target: Path, *, choice: bool = False, forward_only: bool = False,
                      title: str = "Sequenced 2004", ident: str = "1") -> Path:
    """Three SCOs under flow control: S2 is disabled until S1 (its prerequisite, through the global objective
    g-s1) is satisfied, S3 allows one attempt. Each SCO page passes (and asks to continue) or fails."""
    return make_zip(target, {
        "imsmanifest.xml": SEQUENCED_MANIFEST.format(choice=str(choice).lower(), forward_only=str(forward_only).lower(),
                                                     title=title, ident=ident),
        "s1.html": SEQUENCED_SCO.format(name="S1", score=0.9), "s2.html": SEQUENCED_SCO.format(name="S2", score=0.7),
        "s3.html": SEQUENCED_SCO.format(name="S3", score=0.8)})


def tiny_png(width: int, height: int) -> bytes:
    """A valid RGB PNG of that size (so a browser reports its naturalWidth)."""
    import struct
    import zlib

    raw = b"".join(b"\x00" + b"\xd0\x30\x30" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def course_with_images(source: Path, target: Path) -> Path:
    """A copy of the course at `source` whose first lesson shows two images: one beside the lesson (with a space
    and a non-ASCII letter in its name) and one in a shared folder of the course."""
    import shutil

    shutil.copytree(source, target)
    lesson = sorted((target / "modules").glob("*/01-*.md"))[0]
    (lesson.parent / "images").mkdir()
    (lesson.parent / "images" / "map š.png").write_bytes(tiny_png(4, 3))
    (target / "media").mkdir()
    (target / "media" / "shared.png").write_bytes(tiny_png(2, 2))
    for body in sorted(lesson.parent.glob("01-*.md")):
        body.write_text(body.read_text(encoding="utf-8") + "\n\n![A map](images/map%20š.png)\n\n"
                        "![Shared](../../media/shared.png)\n", encoding="utf-8")
    return target


HOSTILE_SCO = """<!doctype html><html><head><meta charset="utf-8"><title>Hostile</title></head><body>
<h1>Hostile</h1><ul id="out"></ul>
<script>
/* A package page that tries to reach the tool it is played from; each attempt writes what it got. */
var results = {}, answered = {};
function note(name, value) { results[name] = value; var li = document.createElement("li");
  li.setAttribute("data-probe", name); li.textContent = String(value); document.getElementById("out").appendChild(li); }
function probe(name, fn) { try { note(name, "read:" + String(fn()).slice(0, 80)); } catch (e) { note(name, "blocked"); } }
probe("cookie", function () { return document.cookie; });
probe("parent-document", function () { return window.parent.document.body.innerHTML; });
probe("parent-location", function () { return window.parent.location.href; });
probe("parent-api", function () { return typeof window.parent.API.LMSSetValue; });
probe("storage", function () { return window.localStorage.length; });
window.addEventListener("message", function (event) {
  if (event.data && typeof event.data.messageId === "string") answered[event.data.messageId] = event.data;
});
var api = window.API || null;  // none when the page is opened on its own
if (api) api.LMSInitialize("");
function post(target, message) { try { target.postMessage(message, "*"); } catch (e) { /* ignore */ } }
// forged calls to the player's runtime: methods outside the SCORM API, bad shapes, oversized values
post(window.parent, {messageId: "forged-load", method: "loadFromJSON", params: [{core: {lesson_status: "passed"}}]});
post(window.parent, {messageId: "forged-commit-url", method: "LMSSetValue",
                     params: ["cmi.core.lesson_status", "passed", "extra"]});
post(window.parent, {messageId: "forged-object", method: "LMSSetValue", params: ["cmi.core.lesson_status", {toString: 1}]});
post(window.parent, {messageId: "forged-huge", method: "LMSSetValue", params: ["cmi.suspend_data", "x".repeat(70000)]});
post(window.parent, {messageId: "forged-proto", method: "__proto__", params: []});
post(window.parent, "LMSSetValue cmi.core.lesson_status passed");
// the same call from another document (a frame inside this page) than the one the player opened
var inner = document.createElement("iframe");
inner.srcdoc = "<script>parent.parent.postMessage({messageId: 'forged-inner', method: 'LMSSetValue', " +
               "params: ['cmi.core.lesson_status', 'passed']}, '*');<\\/script>";
document.body.appendChild(inner);
// a well-formed call of its own, which the player must answer (the channel works)
post(window.parent, {messageId: "own-call", method: "LMSGetValue", params: ["cmi.core.student_id"]});
fetch("/reports/", {credentials: "include"}).then(function (r) { return r.text().then(function (t) {
  note("reports", "read:" + r.status + " " + t.slice(0, 40)); }); }, function () { note("reports", "blocked"); })
  .then(function () { return new Promise(function (done) { setTimeout(done, 1500); }); })
  .then(function () {
    note("answered", Object.keys(answered).filter(function (id) { return id.indexOf("cfapi-") !== 0; }).sort().join(","));
    if (api) { api.LMSSetValue("cmi.core.lesson_status", "incomplete"); api.LMSCommit(""); }
    document.body.setAttribute("data-done", "1");
  });
</script></body></html>"""
"""Its own SCORM calls are ordinary; everything else it tries must fail when played in the sandboxed player."""


def hostile_package(target: Path) -> Path:
    """A SCORM 1.2 package whose first SCO is HOSTILE_SCO."""
    return scorm12_package(target, title="Hostile package", ident="hostile", extra={"one.html": HOSTILE_SCO})
