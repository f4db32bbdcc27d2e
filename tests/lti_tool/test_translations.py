"""Message catalogs: each compiles, has no fuzzy or missing entry, the right plural rule, and the template is
up to date with the code (`pybabel extract` finds nothing the catalogs lack)."""
from __future__ import annotations

import gettext
import io
import subprocess
import sys
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.messages.plurals import get_plural

from lti_tool.i18n import LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
CATALOGS = ROOT / "lti_tool" / "translations"
THREE_FORMS = {"sr", "bs", "hr", "cnr"}


def _read(catalog: str):
    with (CATALOGS / catalog / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=catalog)


def _template_ids() -> set[str]:
    with (CATALOGS / "messages.pot").open("rb") as handle:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}


def test_every_offered_language_has_a_catalog_and_every_catalog_is_offered() -> None:
    on_disk = {p.name for p in CATALOGS.iterdir() if (p / "LC_MESSAGES" / "messages.po").is_file()}
    assert on_disk == {lang.catalog for lang in LANGUAGES}
    assert {lang.catalog for lang in LANGUAGES if lang.complete} >= {"en", "sr_Latn", "sr_Cyrl", "sq", "mk"}


@pytest.mark.parametrize("catalog", [lang.catalog for lang in LANGUAGES])
def test_catalog_is_complete_checked_and_compiles(catalog: str) -> None:
    po = _read(catalog)
    assert not po.fuzzy, f"{catalog}: the header is marked fuzzy"
    ids = set()
    for message in po:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        ids.add(key)
        assert not message.fuzzy, f"{catalog}: fuzzy entry {key!r}"
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert strings and all(strings), f"{catalog}: untranslated {key!r}"
        if isinstance(message.id, tuple):
            assert len(strings) == po.num_plurals, f"{catalog}: {key!r} needs {po.num_plurals} plural forms"
    assert ids == _template_ids(), f"{catalog}: run pybabel update (missing {_template_ids() - ids})"
    problems = [(m.id, errs) for m, errs in po.check() if errs]
    assert not problems, f"{catalog}: placeholder mismatches {problems}"
    buffer = io.BytesIO()
    write_mo(buffer, po)
    assert buffer.tell() > 0


@pytest.mark.parametrize("catalog", [lang.catalog for lang in LANGUAGES])
def test_plural_header_matches_cldr(catalog: str) -> None:
    po = _read(catalog)
    expected = get_plural(catalog)
    assert po.num_plurals == expected.num_plurals
    language = catalog.split("_")[0]
    if language in THREE_FORMS or catalog == "sr_Latn_ME":
        assert po.num_plurals == 3
    rule = Locale.parse(catalog).plural_form
    choose = gettext.c2py(po.plural_expr)  # how gettext itself evaluates the header
    for n in range(0, 1001):  # every count a page can show must pick the form CLDR names
        cldr = rule(n)
        assert choose(n) == {"one": 0, "few": 1}.get(cldr, po.num_plurals - 1), f"{catalog}: n={n} ({cldr})"


def test_template_is_up_to_date_with_the_code(tmp_path: Path) -> None:
    fresh = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_l",
                    "-o", str(fresh), "."], cwd=ROOT, check=True, capture_output=True)
    with fresh.open("rb") as handle:
        extracted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    missing = extracted - _template_ids()
    assert not missing, ("new messages are not in lti_tool/translations/messages.pot; run the commands in "
                         f"docs/translations.md: {sorted(missing)}")
