import pytest


@pytest.mark.django_db
def test_openapi_is_public(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Cultuurkaart API"
