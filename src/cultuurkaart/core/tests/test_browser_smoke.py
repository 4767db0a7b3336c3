import pytest


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_home_page_renders(page):
    page.goto(page.base_url + "/")
    assert page.get_by_role("heading", level=1).inner_text() == "Cultuurkaart voor scholen"
