"""Load a course folder into immutable objects, or raise CourseValidationError listing every problem."""
from __future__ import annotations

import dataclasses
import hashlib
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from courses import identifiers as identifiers_mod
from courses.duration import reading_minutes
from courses.errors import CourseValidationError, Problem
from courses.markdown import find_images
from courses.model import (
    OUTCOME_DOMAINS, QUESTION_TYPES, RESOURCE_TYPES, Choice, Course, LibraryResource, Lesson, LocalizedText,
    Module, OrderItem, Outcome, Pair, Question, Quiz,
)
from courses.reader import ID_PATTERN, LANG_PATTERN, SOURCE_HASH_KEY, Node, Overlay, Problems, check_unique
from courses.yamlsource import YamlSyntaxError, parse_yaml

LIBRARY_FILE = "library.yaml"
"""The shared e-library catalogue, beside the course folders."""
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ENTRIES = 36
"""Choices, pairs and ordering items per question: SCORM 1.2 names them 0-9a-z, SCORM 2004 records 36."""
VERSION_PATTERN = re.compile(r"^\d+\.\d+(\.\d+)?([-+][0-9A-Za-z.-]+)?\Z")
FOLDER_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*\Z")
FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)^---[ \t]*\r?\n?", re.S | re.M)
TRANSLATION_FILE = re.compile(r"^(?P<stem>[^.]+)\.(?P<lang>[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?)\.(?P<ext>yaml|md)\Z")


def _read_text(problems: Problems, path: Path) -> str | None:
    if not path.is_file():
        problems.add(path, 0, "file not found", blocking=True)
        return None
    if path.stat().st_size > MAX_FILE_BYTES:
        problems.add(path, 0, f"file is larger than {MAX_FILE_BYTES // 1024} KiB", blocking=True)
        return None
    try:
        return path.read_bytes().decode("utf-8-sig")  # editors on Windows may start the file with a BOM
    except UnicodeDecodeError as exc:
        problems.add(path, 0, f"not UTF-8 text (byte {exc.start})", blocking=True)
        return None


def _read_yaml(problems: Problems, path: Path, text: str | None = None, line_offset: int = 0) -> Any:
    text = _read_text(problems, path) if text is None else text
    if text is None:
        return None
    try:
        return parse_yaml(text, line_offset)
    except YamlSyntaxError as exc:
        problems.add(path, exc.line, str(exc), blocking=True)
        return None


def _overlays(problems: Problems, path: Path) -> tuple[Overlay, ...]:
    """Translation overlays `NAME.LANG.yaml` beside `NAME.yaml`."""
    found = []
    for candidate in sorted(path.parent.glob(f"{path.stem}.*.yaml")):
        match = TRANSLATION_FILE.match(candidate.name)
        if not match or match["stem"] != path.stem:
            problems.add(candidate, 0, f"translation files are named {path.stem}.LANG.yaml with LANG like sr-Latn")
            continue
        data = _read_yaml(problems, candidate)
        if data is not None and not isinstance(data, dict):
            problems.add(candidate, 1, "expected a mapping like the original file")
            continue
        if data is not None:
            data.pop(SOURCE_HASH_KEY, None)  # the translation's stamp, read by courses.translations
        found.append(Overlay(match["lang"], data, candidate))
    return tuple(found)


def _yaml_node(problems: Problems, path: Path, default_lang: str) -> Node:
    return Node(problems, _read_yaml(problems, path), path, 1, default_lang, _overlays(problems, path))


def content_hash(folder: Path) -> str:
    """SHA-256 over every file's relative path and bytes: the identity of one version of a course."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not any(
            part.startswith(".") for part in p.relative_to(folder).parts)):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


class _CourseLoader:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.problems = Problems(folder)
        self.default_lang = "en"
        self.outcome_ids: set[str] = set()
        self.lesson_outcomes: set[str] = set()
        self.question_outcomes: set[str] = set()
        self.global_ids: list[tuple[str | None, Node]] = []
        self.outcome_nodes: dict[str, Node] = {}
        self.languages: set[str] = set()
        self.lesson_library: list[tuple[str, Node]] = []
        self.library_minutes: dict[str, int] = {}

    def load(self) -> Course:
        course_file = self.folder / "course.yaml"
        raw = _read_yaml(self.problems, course_file)
        if isinstance(raw, dict) and isinstance(raw.get("default_language"), str):
            self.default_lang = raw["default_language"]
        node = Node(self.problems, raw, course_file, 1, self.default_lang, _overlays(self.problems, course_file))
        self.languages = {self.default_lang} | {o.lang for o in node.overlays}
        what = "course"
        node.check_keys(
            required=["id", "version", "default_language", "title", "description", "eqf_level", "outcomes", "modules"],
            optional=["credits", "hours", "audience", "licence", "authors", "final_assessment", "library"], what=what)
        course_id = node.identifier(what)
        version = node.string("version", what, pattern=VERSION_PATTERN)
        node.string("default_language", what, pattern=LANG_PATTERN)
        title = node.text("title", what)
        description = node.text("description", what)
        eqf = node.number("eqf_level", what, minimum=1, maximum=8, integer=True)
        credits = node.number("credits", what, minimum=0, default=0)
        hours = node.number("hours", what, minimum=0.1, default=0)
        audience = node.text("audience", what, required=False)
        licence = node.string("licence", what, required=False, default="")
        authors = node.string_list("authors", what)
        outcomes = self._outcomes(node.child("outcomes"))
        library = self._library(node)  # before the lessons, which add the reading they assign
        modules = self._modules(node)
        final = None
        final_name = node.string("final_assessment", what, required=False)
        if final_name:
            final = self._quiz(self._inside(node, "final_assessment", final_name), "final assessment")
        for ref, lesson_node in self.lesson_library:
            if ref not in self.library_minutes:
                lesson_node.report(f"lesson library: {ref!r} is not in the course's library", "library")
        self._check_coverage(outcomes)
        check_unique(self.problems, self.global_ids, "lesson/quiz")
        if self.problems.items:
            raise CourseValidationError(self.folder, self.problems.items)
        return Course(
            id=course_id, version=version, default_language=self.default_lang, title=title,
            description=description, eqf_level=int(eqf), credits=credits, hours=hours,
            audience=audience or LocalizedText({self.default_lang: ""}, self.default_lang), licence=licence,
            authors=authors, outcomes=outcomes, modules=modules, final_assessment=final, library=library,
            path=self.folder, content_hash=content_hash(self.folder),
            languages=tuple(sorted(self.languages, key=lambda l: (l != self.default_lang, l))),
        )

    def _inside(self, node: Node, key: str, relative: str, base: Path | None = None) -> Path | None:
        """Resolve a path an author wrote, refusing anything that leaves the course folder."""
        base = base or self.folder
        target = (base / relative).resolve()
        if not target.is_relative_to(self.folder.resolve()):
            node.report(f"{key}: {relative!r} points outside the course folder", key)
            return None
        if not target.is_file():
            node.report(f"{key}: file {relative!r} does not exist", key)
            return None
        return target

    def _outcomes(self, node: Node) -> tuple[Outcome, ...]:
        if not node.check_keys(required=[], optional=OUTCOME_DOMAINS, what="course.outcomes"):
            return ()
        found: list[Outcome] = []
        ids: list[tuple[str | None, Node]] = []
        for domain in OUTCOME_DOMAINS:
            for item in node.items(domain, f"course.outcomes.{domain}"):
                what = f"course.outcomes.{domain}"
                item.check_keys(required=["id", "text"], optional=[], what=what)
                outcome_id = item.identifier(what)
                text = item.text("text", what)
                ids.append((outcome_id, item))
                if outcome_id:
                    self.outcome_nodes[outcome_id] = item
                if outcome_id and text:
                    found.append(Outcome(outcome_id, domain, text))
        check_unique(self.problems, ids, "outcome")
        self.outcome_ids = {o.id for o in found}
        return tuple(found)

    def _check_outcome_refs(self, node: Node, refs: tuple[str, ...], what: str) -> None:
        for ref in refs:
            if ref not in self.outcome_ids:
                node.report(f"{what}.outcomes: {ref!r} is not an outcome of this course", "outcomes")

    def _modules(self, course: Node) -> tuple[Module, ...]:
        names = course.string_list("modules", "course", pattern=FOLDER_PATTERN)
        if not names and course.value("modules") is not None:
            course.report("course.modules: list at least one module folder", "modules")
        modules, ids = [], []
        for name in names:
            folder = self.folder / "modules" / name
            if not folder.is_dir():
                course.report(f"course.modules: folder modules/{name} does not exist", "modules")
                continue
            module = self._module(folder, ids)
            if module:
                modules.append(module)
        check_unique(self.problems, ids, "module")
        return tuple(modules)

    def _module(self, folder: Path, ids: list[tuple[str | None, Node]]) -> Module | None:
        node = _yaml_node(self.problems, folder / "module.yaml", self.default_lang)
        if not (folder / "module.yaml").is_file():
            return None  # already reported: missing or unreadable module.yaml
        self.languages |= {o.lang for o in node.overlays}
        what = f"module {folder.name}"
        node.check_keys(required=["id", "title", "lessons"], optional=["description", "quiz"], what=what)
        module_id = node.identifier(what)
        ids.append((module_id, node))
        title = node.text("title", what)
        description = node.text("description", what, required=False)
        lessons = []
        lesson_names = node.string_list("lessons", what, pattern=FOLDER_PATTERN)
        if not lesson_names:
            node.report(f"{what}.lessons: list at least one lesson file", "lessons")
        for name in lesson_names:
            lesson = self._lesson(folder / f"{name}.md", node)
            if lesson:
                lessons.append(lesson)
        quiz = None
        quiz_name = node.string("quiz", what, required=False)
        if quiz_name:
            quiz_path = self._inside(node, "quiz", quiz_name, base=folder)
            if quiz_path:
                quiz = self._quiz(quiz_path, f"{what} quiz")
        if module_id is None or title is None:
            return None
        return Module(id=module_id, title=title,
                      description=description or LocalizedText({self.default_lang: ""}, self.default_lang),
                      lessons=tuple(lessons), quiz=quiz, path=folder)

    def _front_matter(self, path: Path) -> tuple[Any, str, int] | None:
        text = _read_text(self.problems, path)
        if text is None:
            return None
        match = FRONT_MATTER.match(text)
        if not match:
            self.problems.add(path, 1, "a lesson starts with front matter between two '---' lines")
            return None
        meta = _read_yaml(self.problems, path, match.group(1), line_offset=1)
        body_line = text[:match.end()].count("\n") + 1
        return meta, text[match.end():], body_line

    def _lesson(self, path: Path, module: Node) -> Lesson | None:
        if not path.is_file():
            module.report(f"lessons: file {path.name} does not exist", "lessons")
            return None
        parsed = self._front_matter(path)
        if parsed is None:
            return None
        meta, body, body_line = parsed
        node = Node(self.problems, meta, path, 1, self.default_lang)
        what = f"lesson {path.name}"
        node.check_keys(required=["id", "title", "minutes"], optional=["outcomes", "library"], what=what)
        lesson_id = node.identifier(what)
        self.global_ids.append((lesson_id, node))
        titles = {self.default_lang: node.string("title", what) or ""}
        minutes = node.number("minutes", what, minimum=1, maximum=1000, integer=True)
        outcomes = node.string_list("outcomes", what, pattern=ID_PATTERN)
        self._check_outcome_refs(node, outcomes, what)
        self.lesson_outcomes.update(outcomes)
        assigned = node.string_list("library", what, pattern=ID_PATTERN)
        self.lesson_library.extend((ref, node) for ref in assigned)
        if not body.strip():
            self.problems.add(path, body_line, f"{what}: the lesson has no text")
        self._check_images(path, body, body_line)
        bodies = {self.default_lang: body}
        for translated in sorted(path.parent.glob(f"{path.stem}.*.md")):
            match = TRANSLATION_FILE.match(translated.name)
            if not match or match["stem"] != path.stem:
                continue
            parsed_t = self._front_matter(translated)
            if parsed_t is None:
                continue
            t_meta, t_body, t_line = parsed_t
            t_node = Node(self.problems, t_meta, translated, 1, self.default_lang)
            t_node.check_keys(required=["title"], optional=[SOURCE_HASH_KEY], what=f"lesson {translated.name}")
            titles[match["lang"]] = t_node.string("title", f"lesson {translated.name}") or titles[self.default_lang]
            bodies[match["lang"]] = t_body
            self.languages.add(match["lang"])
            self._check_images(translated, t_body, t_line)
        if lesson_id is None or minutes is None:
            return None
        return Lesson(id=lesson_id, title=LocalizedText(titles, self.default_lang), minutes=int(minutes),
                      outcomes=outcomes, body=LocalizedText(bodies, self.default_lang), path=path,
                      library=assigned, estimated_minutes=reading_minutes(body) + sum(
                          self.library_minutes.get(ref, 0) for ref in assigned))

    def _check_images(self, path: Path, body: str, body_line: int) -> None:
        for image in find_images(body):
            line = body_line + image.line
            if not image.alt.strip():
                self.problems.add(path, line, f"image {image.src!r} has no alt text (screen readers need it)")
            if re.match(r"^[a-z][a-z0-9+.-]*:", image.src, re.I):
                if not image.src.startswith("https://"):
                    self.problems.add(path, line, f"image {image.src!r}: only course files or https:// images")
                continue
            target = (path.parent / unquote(image.src.split("#")[0].split("?")[0])).resolve()
            if not target.is_relative_to(self.folder.resolve()) or not target.is_file():
                self.problems.add(path, line, f"broken image link {image.src!r}: no such file in the course")

    def _quiz(self, path: Path | None, what: str) -> Quiz | None:
        if path is None:
            return None
        node = _yaml_node(self.problems, path, self.default_lang)
        self.languages |= {o.lang for o in node.overlays}
        node.check_keys(required=["id", "title", "questions"], optional=["passing_score", "attempts", "shuffle"],
                        what=what)
        quiz_id = node.identifier(what)
        self.global_ids.append((quiz_id, node))
        title = node.text("title", what)
        passing = node.number("passing_score", what, minimum=0, maximum=100, default=70)
        attempts = node.number("attempts", what, minimum=0, maximum=100, integer=True, default=0)
        shuffle = node.boolean("shuffle", what, default=False)
        questions, ids = [], []
        for item in node.items("questions", what):
            question = self._question(item, what)
            ids.append((item.value("id") if isinstance(item.value("id"), str) else None, item))
            if question:
                questions.append(question)
        check_unique(self.problems, ids, "question")
        if quiz_id is None or title is None:
            return None
        return Quiz(id=quiz_id, title=title, passing_score=passing, attempts=int(attempts), shuffle=bool(shuffle),
                    questions=tuple(questions))

    def _question(self, node: Node, quiz_what: str) -> Question | None:
        qtype = node.value("type")
        what = f"{quiz_what} question {node.value('id') or '?'}"
        common_required = ["id", "type", "prompt", "explanation"]
        common_optional = ["points", "outcomes"]
        extra = {"single": (["choices"], []), "multiple": (["choices"], []), "true_false": (["answer"], []),
                 "matching": (["pairs"], []), "ordering": (["items"], []),
                 "fill_in": (["answers"], ["case_sensitive"])}
        if qtype not in QUESTION_TYPES:
            node.report(f"{what}.type: {qtype!r} is not a question type (expected one of: {', '.join(QUESTION_TYPES)})",
                        "type")
            node.check_keys(common_required, common_optional + [k for r, o in extra.values() for k in r + o], what)
            return None
        required, optional = extra[qtype]
        node.check_keys(common_required + required, common_optional + optional, what)
        question_id = node.identifier(what)
        prompt = node.text("prompt", what)
        explanation = node.text("explanation", what)
        points = node.number("points", what, minimum=0.01, maximum=1000, default=1)
        outcomes = node.string_list("outcomes", what, pattern=ID_PATTERN)
        self._check_outcome_refs(node, outcomes, what)
        self.question_outcomes.update(outcomes)
        fields: dict[str, Any] = {}
        if qtype in ("single", "multiple"):
            fields["choices"] = self._choices(node, what, qtype)
        elif qtype == "true_false":
            answer = node.boolean("answer", what)
            if "answer" in node.data and answer is None:
                return None
            fields["answer"] = answer
        elif qtype == "matching":
            fields["pairs"] = self._entries(node, "pairs", what, ("source", "target"),
                                            lambda i, t: Pair(i, t["source"], t["target"]))
        elif qtype == "ordering":
            fields["items"] = self._entries(node, "items", what, ("text",), lambda i, t: OrderItem(i, t["text"]))
        else:
            answers = node.string_list("answers", what)
            if not answers and "answers" in node.data:
                node.report(f"{what}.answers: list at least one accepted answer", "answers")
            fields["answers"] = answers
            fields["case_sensitive"] = bool(node.boolean("case_sensitive", what, default=False))
        self._check_question_images(node, what, [prompt, explanation, *[
            text for choice in fields.get("choices") or () for text in (choice.text, choice.feedback)]])
        if question_id is None or prompt is None or explanation is None or None in fields.values():
            return None
        return Question(id=question_id, type=qtype, prompt=prompt, explanation=explanation, points=points,
                        outcomes=outcomes, **fields)

    def _check_question_images(self, node: Node, what: str, texts: list[LocalizedText | None]) -> None:
        """Question texts are rendered away from the quiz file, so a relative image there would be a broken link
        in every delivery: only https:// images (or a lesson) can show a picture."""
        for text in texts:
            for value in (text.values.values() if text else ()):
                for image in find_images(value):
                    if not image.src.startswith("https://"):
                        node.report(f"{what}: image {image.src!r}: questions can only show https:// images "
                                    "(put course files in a lesson)")

    def _choices(self, node: Node, what: str, qtype: str) -> tuple[Choice, ...] | None:
        choices, ids = [], []
        for item in node.items("choices", f"{what}.choices"):
            item.check_keys(["id", "text"], ["correct", "feedback"], f"{what} choice")
            choice_id = item.identifier(f"{what} choice")
            ids.append((choice_id, item))
            text = item.text("text", f"{what} choice")
            correct = item.boolean("correct", f"{what} choice", default=False)
            feedback = item.text("feedback", f"{what} choice", required=False)
            if choice_id and text:
                choices.append(Choice(choice_id, text, bool(correct), feedback))
        check_unique(self.problems, ids, "choice")
        n_correct = sum(c.correct for c in choices)
        if len(choices) < 2 and node.value("choices") is not None:
            node.report(f"{what}.choices: a {qtype} question needs at least two choices", "choices")
        if len(choices) > MAX_ENTRIES:
            node.report(f"{what}.choices: at most {MAX_ENTRIES} choices (what SCORM can record)", "choices")
        if choices and n_correct == 0:
            node.report(f"{what}: no choice is marked correct: true", "choices")
            return None
        if qtype == "single" and n_correct > 1:
            node.report(f"{what}: a single-choice question has exactly one correct choice, found {n_correct}",
                        "choices")
            return None
        return tuple(choices) if len(choices) >= 2 else None

    def _entries(self, node: Node, key: str, what: str, text_keys: tuple[str, ...], build: Any) -> tuple | None:
        entries, ids = [], []
        for item in node.items(key, f"{what}.{key}"):
            item.check_keys(["id", *text_keys], [], f"{what} {key[:-1]}")
            entry_id = item.identifier(f"{what} {key[:-1]}")
            ids.append((entry_id, item))
            texts = {k: item.text(k, f"{what} {key[:-1]}") for k in text_keys}
            if entry_id and all(texts.values()):
                entries.append(build(entry_id, texts))
        check_unique(self.problems, ids, key[:-1])
        if len(entries) > MAX_ENTRIES:
            node.report(f"{what}.{key}: at most {MAX_ENTRIES} entries (what SCORM can record)", key)
        if len(entries) < 2:
            if node.value(key) is not None:
                node.report(f"{what}.{key}: needs at least two entries", key)
            return None
        return tuple(entries)

    def _library(self, course: Node) -> tuple[LibraryResource, ...]:
        """The curriculum's e-library: references to the shared catalogue (`ref`, with the curriculum's `note`),
        or, for a course that stands alone, whole entries as before."""
        resources, ids = [], []
        items = course.items("library", "course.library", required=False)
        catalogue = self._catalogue() if any("ref" in item.data for item in items) else {}
        for item in items:
            if "ref" in item.data:
                resource = self._library_ref(item, catalogue)
                ids.append((resource.id if resource else None, item))
            else:
                resource = self._library_entry(item)
                ids.append((item.value("id") if isinstance(item.value("id"), str) else None, item))
            if resource:
                resources.append(resource)
        check_unique(self.problems, ids, "library")
        self.library_minutes = {r.id: r.minutes or 0 for r in resources}
        return tuple(resources)

    def _catalogue(self) -> dict[str, LibraryResource]:
        path = self.folder.parent / LIBRARY_FILE
        if not path.is_file():
            self.problems.add(path, 0, "library: entries with `ref` need the shared e-library catalogue "
                                       f"{LIBRARY_FILE} beside the course folders")
            return {}
        return load_library_catalogue(path, self.problems)

    def _library_ref(self, item: Node, catalogue: dict[str, LibraryResource]) -> LibraryResource | None:
        what = f"library entry {item.value('ref') or '?'}"
        item.check_keys(["ref"], ["id", "note", "file", "minutes"], what)
        minutes = item.number("minutes", what, minimum=1, maximum=10_000, integer=True)
        ref = item.string("ref", what, pattern=ID_PATTERN)
        if "id" in item.data:
            item.identifier(what)
        note = item.text("note", what, required=False)
        file_name = item.string("file", what, required=False)
        file_path = self._inside(item, "file", file_name) if file_name else None
        if ref and ref not in catalogue:
            item.report(f"{what}.ref: {ref!r} is not a document of {LIBRARY_FILE}", "ref")
            return None
        if not ref:
            return None
        return dataclasses.replace(catalogue[ref], description=note, file=file_path,
                                   minutes=int(minutes) if minutes else None)

    def _library_entry(self, item: Node) -> LibraryResource | None:
        what = f"library entry {item.value('id') or '?'}"
        item.check_keys(["id", "title", "type", "language"],
                        ["authors", "publisher", "year", "url", "file", "description", "tags"], what)
        resource_id = item.identifier(what)
        title = item.text("title", what)
        rtype = item.string("type", what)
        if rtype and rtype not in RESOURCE_TYPES:
            item.report(f"{what}.type: {rtype!r} is not one of {', '.join(RESOURCE_TYPES)}", "type")
        language = item.string("language", what, pattern=LANG_PATTERN)
        year = item.number("year", what, minimum=1000, maximum=2100, integer=True)
        url = _url(item, what)
        file_name = item.string("file", what, required=False)
        file_path = self._inside(item, "file", file_name) if file_name else None
        if "url" not in item.data and "file" not in item.data:
            item.report(f"{what}: give a url or an attached file")
        if resource_id and title and rtype in RESOURCE_TYPES and language:
            return LibraryResource(
                id=resource_id, title=title, type=rtype, language=language, languages=(language,),
                authors=item.string_list("authors", what), publisher=item.string("publisher", what, required=False),
                year=int(year) if year else None, url=url, file=file_path,
                description=item.text("description", what, required=False), tags=item.string_list("tags", what))
        return None

    def _check_coverage(self, outcomes: tuple[Outcome, ...]) -> None:
        for outcome in outcomes:
            node = self.outcome_nodes[outcome.id]
            if outcome.id not in self.lesson_outcomes:
                node.report(f"outcome {outcome.id} is not covered by any lesson (list it in a lesson's outcomes)")
            if outcome.id not in self.question_outcomes:
                node.report(f"outcome {outcome.id} is not assessed by any question (list it in a question's outcomes)")


def _url(item: Node, what: str) -> str | None:
    url = item.string("url", what, required=False)
    if url and not re.match(r"^https?://[^\s/$.?#][^\s]*$", url):
        item.report(f"{what}.url: {url!r} is not an http(s) address", "url")
        return None
    return url


def load_library_catalogue(path: Path, problems: Problems) -> dict[str, LibraryResource]:
    """The shared e-library (`library.yaml`, translations in `library.LANG.yaml`): one record per document, with
    its publisher from the file's controlled `publishers` list and well-formed DOI, ELI and ISBN."""
    node = _yaml_node(problems, path, "en")
    node.check_keys(required=["publishers", "documents"], optional=[], what="library")
    publishers = set(node.string_list("publishers", "library"))
    documents: dict[str, LibraryResource] = {}
    ids: list[tuple[str | None, Node]] = []
    for item in node.items("documents", "library.documents"):
        what = f"library document {item.value('id') or '?'}"
        item.check_keys(["id", "title", "type", "languages"],
                        ["authors", "publisher", "year", "url", "doi", "eli", "isbn", "tags"], what)
        doc_id = item.identifier(what)
        ids.append((doc_id, item))
        title = item.text("title", what)
        rtype = item.string("type", what)
        if rtype and rtype not in RESOURCE_TYPES:
            item.report(f"{what}.type: {rtype!r} is not one of {', '.join(RESOURCE_TYPES)}", "type")
        languages = item.string_list("languages", what, pattern=LANG_PATTERN)
        if not languages and "languages" in item.data:
            item.report(f"{what}.languages: list at least one language", "languages")
        publisher = item.string("publisher", what, required=False)
        if publisher and publisher not in publishers:
            item.report(f"{what}.publisher: {publisher!r} is not in the publishers list of {path.name} "
                        "(add it there, or use the spelling listed)", "publisher")
        year = item.number("year", what, minimum=1000, maximum=2100, integer=True, default=None)
        identifiers = {}
        for key, valid, form in (("doi", identifiers_mod.is_doi, "10.NNNN/suffix"),
                                 ("eli", identifiers_mod.is_eli, "http://data.europa.eu/eli/…"),
                                 ("isbn", identifiers_mod.is_isbn, "an ISBN-10 or ISBN-13 with a valid check digit")):
            value = item.string(key, what, required=False)
            if value and not valid(value):
                item.report(f"{what}.{key}: {value!r} is not well-formed ({form})", key)
                value = None
            identifiers[key] = value
        url = _url(item, what)
        if not url:
            item.report(f"{what}: give the open-access url of the document")
        if doc_id and title and rtype in RESOURCE_TYPES and languages:
            documents[doc_id] = LibraryResource(
                id=doc_id, title=title, type=rtype, language=languages[0], languages=languages,
                authors=item.string_list("authors", what), publisher=publisher,
                year=int(year) if year else None, url=url, tags=item.string_list("tags", what), **identifiers)
    check_unique(problems, ids, "library document")
    return documents


def load_course(folder: Path | str) -> Course:
    """Load and validate the course in `folder`; raise CourseValidationError with every problem found."""
    folder = Path(folder)
    if not folder.is_dir():
        raise CourseValidationError(folder, [Problem(str(folder), 0, "not a folder")])
    return _CourseLoader(folder.resolve()).load()
