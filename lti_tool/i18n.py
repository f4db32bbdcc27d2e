"""Interface languages: which one a request gets, how Babel and BCP 47 names map, and the language switcher.

Order of choice: `?lang=` on the request (links between our pages keep it; the switcher adds it) > the learner's choice stored
in the session > the LTI launch's `launch_presentation.locale`, stored as BCP 47 (lti_tool.locale_tags) when the
launch entered (`flask.g.launch_locale` when a view sets it, else the locale of the request's launch,
`lti_tool.identity.current_learner()`) > the browser's
Accept-Language > English.

Babel facts that shape the names: bare `sr` is Cyrillic, so catalogs are `sr_Latn` and `sr_Cyrl`; Babel has no
`cnr` locale, so Montenegrin is stored under `sr_Latn_ME` and labelled Montenegrin. Course content is asked for
with the BCP 47 tag (`sr-Latn`, `sr-Cyrl`, `sr-Latn-ME` ...) through `LocalizedText.get(tag)`.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, Flask, abort, g, has_request_context, redirect, request, session
from babel.units import format_unit
from flask_babel import Babel, get_locale
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from lti_tool.identity import current_learner, launch_id_from_request
from lti_tool.locale_tags import to_bcp47

SESSION_KEY = "locale"


OUTCOME_DOMAINS = {
    "knowledge": _l("Knowledge"),
    "skills": _l("Skills"),
    "responsibility": _l("Responsibility and autonomy"),
}
"""EQF outcome domains in the order the framework lists them, with their names on course and report pages."""

@dataclass(frozen=True)
class Language:
    catalog: str  # Babel/gettext locale identifier, the folder name under lti_tool/translations
    tag: str  # BCP 47 tag, for <html lang> and for LocalizedText.get
    label: str  # the language's name in itself, as the switcher shows it
    complete: bool  # every message translated and checked in the browser tests


LANGUAGES: tuple[Language, ...] = (
    Language("en", "en", "English", True),
    Language("sr_Latn", "sr-Latn", "Srpski (latinica)", True),
    Language("sr_Cyrl", "sr-Cyrl", "Српски (ћирилица)", True),
    Language("sq", "sq", "Shqip", True),
    Language("mk", "mk", "Македонски", True),
    Language("bs", "bs", "Bosanski", False),
    Language("hr", "hr", "Hrvatski", False),
    Language("sr_Latn_ME", "sr-Latn-ME", "Crnogorski", False),
)
DEFAULT = LANGUAGES[0]
_BY_CATALOG = {lang.catalog: lang for lang in LANGUAGES}


def match_language(raw: str | None) -> Language | None:
    """The supported language a locale name means (`sr-Latn-RS`, `sr_lt`, `cnr-ME`, `mk_MK` ...), or None."""
    tag = to_bcp47(raw)
    if tag is None:
        return None
    base, *rest = tag.lower().split("-")
    if base == "sr":
        return _BY_CATALOG[_serbian_catalog(rest)]
    return next((lang for lang in LANGUAGES if lang.catalog == base), None)


def _serbian_catalog(subtags: list[str]) -> str:
    """Script decides; a bare `sr` is Cyrillic (CLDR), except in Montenegro where Latin is the norm."""
    if "cyrl" in subtags:
        return "sr_Cyrl"
    if "me" in subtags:
        return "sr_Latn_ME"
    return "sr_Latn" if "latn" in subtags else "sr_Cyrl"


def _accept_language() -> Language | None:
    for value, _quality in request.accept_languages:
        found = match_language(value)
        if found:
            return found
    return None


def _launch_locale() -> str | None:
    if "launch_locale" in g:
        return g.launch_locale
    if launch_id_from_request() is None:  # public pages: no database look-up
        return None
    launch = current_learner()
    return launch.locale if launch else None


def selected_language() -> Language:
    """The interface language of the current request (see the module docstring for the order)."""
    return (
        match_language(request.args.get("lang"))
        or match_language(session.get(SESSION_KEY))
        or match_language(_launch_locale())
        or _accept_language()
        or DEFAULT
    )


def current_language() -> Language:
    """The language Babel settled on for this request (cached by Flask-Babel)."""
    return _BY_CATALOG.get(str(get_locale()), DEFAULT)


def content_lang() -> str:
    """BCP 47 tag to ask course content for: `course.title.get(content_lang())`."""
    return current_language().tag


def duration(value: float, unit: str) -> str:
    """`2.5|duration('hour')` -> `2,5 sati` in Serbian: CLDR units carry the plural rules and number format."""
    return format_unit(value, f"duration-{unit}", length="long", locale=get_locale())


def _safe_next(target: str | None) -> str:
    """Only same-site paths: the switcher must not become an open redirect."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def page_without_lang() -> str:
    """The current page without `?lang=`, where the switcher returns so the stored choice takes effect."""
    query = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    return request.path + ("?" + urlencode(query) if query else "")


bp = Blueprint("i18n", __name__)


@bp.post("/language")
def choose_language() -> Response:
    """Store the learner's choice; an unknown language is a clear 400, not a silent fallback."""
    language = match_language(request.form.get("lang"))
    if language is None:
        abort(400, description=_l("Choose one of the offered languages."))
    session[SESSION_KEY] = language.catalog
    target = _safe_next(request.form.get("next"))
    # Also in the address: inside an iframe whose browser blocks third-party cookies the session is lost.
    target += ("&" if "?" in target else "?") + urlencode({"lang": language.tag})
    return redirect(target, code=303)


PAGES_KEEPING_LANG = ("catalogue.", "library.", "player.", "reports.")


def _keep_lang(endpoint: str, values: dict[str, object]) -> None:
    """Links between the tool's own pages keep a `?lang=` the current page was opened with."""
    if "lang" in values or not endpoint.startswith(PAGES_KEEPING_LANG) or not has_request_context():
        return
    chosen = request.args.get("lang")
    if match_language(chosen):
        values["lang"] = chosen


def init_app(app: Flask) -> None:
    """Install Flask-Babel with our locale selector and expose the language helpers to templates."""
    Babel(app, locale_selector=lambda: selected_language().catalog)
    app.register_blueprint(bp)
    app.jinja_env.filters["duration"] = duration
    app.url_defaults(_keep_lang)

    @app.context_processor
    def _language_context() -> dict[str, object]:
        return {
            "ui_language": current_language(),
            "content_lang": content_lang(),
            "languages": LANGUAGES,
            "page_without_lang": page_without_lang,
        }
