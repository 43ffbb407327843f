"""/healthz says the process answers; /readyz says the database and Redis answer too."""

import os

import pytest

from app import create_app
from app.extensions import db
from tests.conftest import free_port
from tests.core.test_database_outage import app_without_database


@pytest.fixture
def app_with_redis(app, database_url):
    """The app on the test database, with ``REDIS_URL`` set to the given URL."""
    made = []

    def make(redis_url):
        made.append(create_app({
            "ENV": "test", "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": database_url,
            "REDIS_URL": redis_url,
        }))
        return made[-1]

    yield make
    for served in made:
        with served.app_context():
            db.engine.dispose()


def test_healthz_answers_without_the_database(app):
    response = app_without_database().test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_is_ready_with_the_database(app):
    response = app.test_client().get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ready", "checks": {"database": "ok", "redis": "not configured"},
    }


def test_readyz_names_the_unreachable_database_without_its_password(app):
    response = app_without_database().test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"].startswith("unreachable: OperationalError")
    assert "s3cret-pw" not in response.get_data(as_text=True)


def test_readyz_names_an_unreachable_redis(app_with_redis):
    served = app_with_redis(f"redis://:redis-pw@127.0.0.1:{free_port()}/0")
    response = served.test_client().get("/readyz")
    assert response.status_code == 503
    checks = response.get_json()["checks"]
    assert checks["database"] == "ok" and checks["redis"].startswith("unreachable")
    assert "redis-pw" not in response.get_data(as_text=True)


@pytest.mark.redis
def test_readyz_pings_redis(app_with_redis):
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("no TEST_REDIS_URL: the Redis pass of `make test` runs this")
    response = app_with_redis(url).test_client().get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["checks"] == {"database": "ok", "redis": "ok"}
