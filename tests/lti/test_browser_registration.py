"""A real browser (Debian's chromium) registering the tool the way Moodle does: the administrator's "Manage tools"
page opens the one-time registration URL in an iframe, and waits for the tool's org.imsglobal.lti.close message.

The platform is on http://localhost:<port>, the tool on http://127.0.0.1:<port>. The platform being registered is
not a registered platform yet, so only the registration page's own policy can let it frame that page."""
from __future__ import annotations

from urllib.parse import urlencode

import pytest

from tests.lti.test_browser_iframe import chromium  # noqa: F401  (the module's browser fixture)
from tests.lti.test_registration import (TOKEN, RegistrationPlatform, local_tool,  # noqa: F401
                                         registration_url)

pytestmark = pytest.mark.browser


def test_the_platform_being_registered_may_frame_the_registration(chromium, local_tool):  # noqa: F811
    platform = RegistrationPlatform(local_tool.url, host="localhost")
    src = registration_url(local_tool.app) + "?" + urlencode(
        {"openid_configuration": platform.config_url, "registration_token": TOKEN})
    platform.app.add_url_rule("/admin/tools", view_func=lambda: (
        '<!doctype html><title>Manage tools</title><h1>Manage tools</h1>'
        f'<iframe id="registration" style="width:800px;height:500px" src="{src}"></iframe>'
        '<script>addEventListener("message", (e) => {'
        ' if (e.data && e.data.subject === "org.imsglobal.lti.close") document.title = "closed"; });</script>'))
    context = chromium.new_context()
    try:
        page = context.new_page()
        page.goto(platform.url + "/admin/tools")
        frame = page.frame_locator("#registration")
        assert "pending approval" in frame.locator("h1").inner_text(timeout=20000)
        page.wait_for_function("document.title === 'closed'", timeout=20000)
        assert len(platform.received) == 1
    finally:
        context.close()
        platform.close()
