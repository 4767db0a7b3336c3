"""Issue 8, point 8: the pages work under the Content-Security-Policy in a real browser
(no blocked script or style), and the Swagger UI still renders."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _watch(page) -> list[str]:
    blocked: list[str] = []
    page.on(
        "console",
        lambda msg: blocked.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    return blocked


def test_pages_run_without_csp_violations(page):
    blocked = _watch(page)
    for path in ("/", "/aanmelden/", "/accounts/login/", "/activeren/", "/help/"):
        page.goto(page.base_url + path)
        page.wait_for_load_state("load")
    # the error summary's script (a static file) still moves the focus
    page.goto(page.base_url + "/activeren/")
    page.get_by_role("button", name="Activeer mijn Cultuurkaart").click()
    page.locator("#error-summary").wait_for()
    page.wait_for_function(
        "document.activeElement && document.activeElement.id === 'error-summary'"
    )
    assert blocked == []


def test_swagger_ui_renders_under_its_policy(page):
    blocked = _watch(page)
    page.goto(page.base_url + "/api/v1/docs")
    # the UI parses the whole OpenAPI document (≈ 650 KB) first: slow on a busy machine
    page.locator(".swagger-ui .info .title").wait_for(timeout=60_000)
    operation = page.locator(".opblock").first
    operation.wait_for()
    operation.locator(".opblock-summary").click()  # expand: parameters, example bodies
    operation.locator(".opblock-body").wait_for()
    page.locator(".models, .opblock-section-header").first.wait_for()
    assert "Cultuurkaart API" in page.locator(".swagger-ui .info .title").inner_text()
    assert blocked == []
