"""Build hook: every wheel, sdist-built wheel and editable install carries compiled message catalogues.

The `.mo` files are build products (not committed), so `build_py` compiles them with Babel's own
`compile_catalog` command (configured in setup.cfg) before it copies the package data. The vendored
scorm-again runtime is a build product too (scripts/vendor-assets.sh, from npm); it ships when present at
build time, and the build says so loudly when it is not (`mirco doctor` reports it on the installed tool).
"""
from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

VENDORED_RUNTIME = Path("lti_tool/static/vendor/scorm-again/scorm2004.min.js")


class BuildPyWithCatalogues(build_py):
    """`build_py` that first compiles lti_tool/translations/*/LC_MESSAGES/messages.po into .mo files."""

    def run(self) -> None:
        self.run_command("compile_catalog")
        if not VENDORED_RUNTIME.is_file():
            self.warn(f"{VENDORED_RUNTIME.parent} is missing: this build cannot play imported SCORM packages "
                      "(run `npm ci && bash scripts/vendor-assets.sh` first)")
        super().run()


setup(cmdclass={"build_py": BuildPyWithCatalogues})
