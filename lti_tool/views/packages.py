"""Admin page for imported SCORM packages: list them and upload a new one (instructors of an LTI launch).

Instructors see their own platform's packages and those an administrator shared with it (scorm.tenancy); they
remove only their platform's own. A package of another platform is answered as if it did not exist.

The form must carry the launch id itself (not only the session cookie): with SameSite=None cookies inside the
platform's iframe, that random id is what proves the POST comes from this page (CSRF).
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.utils import secure_filename

from lti_tool.identity import LaunchContext, current_learner, launch_named_by, require_launch
from lti_tool.state import app_state
from scorm.importer import PackageInUse, PackageRejected, import_package, remove_package
from scorm.models import ScormPackage
from scorm.tenancy import removable_by, visible_package, visible_to

bp = Blueprint("packages", __name__, url_prefix="/admin/packages")


def _packages(launch: LaunchContext) -> list[ScormPackage]:
    with app_state().db.sessions() as session:
        packages = list(session.scalars(select(ScormPackage).where(visible_to(launch.platform_pk))
                                        .order_by(ScormPackage.imported_at.desc())))
        for package in packages:
            package.sco_count = len(package.scos)  # type: ignore[attr-defined]
            package.removable = removable_by(package, launch.platform_pk)  # type: ignore[attr-defined]
        return packages


@bp.get("/")
@require_launch("instructor")
def index() -> str:
    launch = current_learner()
    return render_template("packages/index.html", packages=_packages(launch), launch=launch, problems=None,
                           imported=request.args.get("imported"), removed=request.args.get("removed"))


@bp.post("/")
@require_launch("instructor")
def upload():  # type: ignore[no-untyped-def]
    launch = current_learner()
    if launch_named_by(request.form.get("launch")) != launch.launch_id:
        abort(403, description=_l("The upload form has expired: open this page again from your course."))
    upload_file = request.files.get("package")
    if upload_file is None or not upload_file.filename:
        abort(400, description=_l("Choose a SCORM package (.zip) to upload."))
    settings = app_state().settings
    settings.packages_path.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(suffix=".zip", dir=settings.packages_path, prefix=".upload-") as handle:
        upload_file.save(handle)
        handle.flush()
        try:
            result = import_package(Path(handle.name), settings.packages_path, app_state().db.transaction,
                                    source_name=secure_filename(upload_file.filename) or "package.zip",
                                    schemas_dir=settings.scorm_schemas, owner_platform=launch.platform_pk,
                                    owner_context=launch.context_pk)
        except PackageRejected as exc:
            return render_template("packages/index.html", packages=_packages(launch), launch=launch,
                                   problems=exc.problems, imported=None, filename=upload_file.filename), 422
    return redirect(url_for("packages.index", launch=launch.token, imported=result.package_id), code=303)


@bp.post("/<package_id>/remove")
@require_launch("instructor")
def remove(package_id: str):  # type: ignore[no-untyped-def]
    """Remove a package (files and catalogue rows; xAPI statements stay). With learners' attempts the page
    warns and asks again unless the form confirms it."""
    launch = current_learner()
    if launch_named_by(request.form.get("launch")) != launch.launch_id:
        abort(403, description=_l("The form has expired: open this page again from your course."))
    state = app_state()
    with state.db.sessions() as session:
        package = visible_package(session, package_id[:64], launch.platform_pk)
        if package is None:
            abort(404, description=_l("This package does not exist (any more)."))
        if not removable_by(package, launch.platform_pk):
            abort(403, description=_l("This package was shared with your platform by an administrator: only they "
                                      "can remove it."))
    try:
        result = remove_package(package_id, state.settings.packages_path, state.db.transaction,
                                force=request.form.get("confirm") == "yes")
    except LookupError:
        abort(404, description=_l("This package does not exist (any more)."))
    except PackageInUse as exc:
        return render_template("packages/index.html", packages=_packages(launch), launch=launch, problems=None,
                               imported=None, removed=None, in_use=(package_id, exc)), 409
    return redirect(url_for("packages.index", launch=launch.token, removed=result.title), code=303)
