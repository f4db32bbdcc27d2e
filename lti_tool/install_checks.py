"""Is what the build makes installed? Compiled catalogues and the vendored SCORM runtime are build products
(setup.py's build_py, scripts/vendor-assets.sh), not committed files: an install without them still starts,
silently English or unable to play imported packages, so `mirco doctor` looks for them."""
from __future__ import annotations

from pathlib import Path

from lti_tool.checks import Check

PACKAGE_DIR = Path(__file__).resolve().parent
VENDORED_RUNTIME = ("scorm12.min.js", "scorm2004.min.js")


def check_catalogues(translations: Path = PACKAGE_DIR / "translations") -> Check:
    """Every message catalogue (.po) has its compiled .mo beside it; without it that language shows English."""
    sources = sorted(translations.glob("*/LC_MESSAGES/*.po"))
    missing = [po for po in sources if not po.with_suffix(".mo").is_file()]
    if not sources:
        return Check("catalogues", False, f"no message catalogues in {translations}",
                     "reinstall the tool: the installation is incomplete")
    if missing:
        languages = ", ".join(po.parent.parent.name for po in missing)
        return Check("catalogues", False, f"not compiled ({len(missing)} of {len(sources)}): {languages}; "
                     "those languages show the English interface",
                     f"in a checkout run `.venv/bin/pybabel compile -d {translations}` (make run does it); "
                     "otherwise reinstall from a wheel built by `pip wheel .` (it compiles them)")
    return Check("catalogues", True, f"{len(sources)} compiled in {translations}")


def check_vendored_runtime(static: Path = PACKAGE_DIR / "static") -> Check:
    """The scorm-again runtime that plays imported SCORM packages is in the static folder."""
    folder = static / "vendor" / "scorm-again"
    missing = [name for name in VENDORED_RUNTIME if not (folder / name).is_file()]
    if missing:
        return Check("scorm runtime", False, f"{', '.join(missing)} missing in {folder}: imported SCORM "
                     "packages cannot play", "in a checkout run `npm ci && bash scripts/vendor-assets.sh` "
                     "(make run does it); otherwise reinstall from a wheel built after that step")
    return Check("scorm runtime", True, f"scorm-again in {folder}")
