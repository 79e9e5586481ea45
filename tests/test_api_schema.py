"""The OpenAPI schema tells the truth: schemathesis generates requests from it for every
operation and checks each answer against it (status documented, body and headers
conforming, no server error), through the WSGI application on the test database, signed
in (session and CSRF cookies) as the propaganda staff of the `province` fixture."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from portal.wsgi import application

# Loaded at collection: the schema view reads no database.
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application)
# Signed in by the session cookie below: no generated Authorization header (it would be refused, 401).
# A NUL character is refused everywhere (portal.inputs, documented as a 400): not generated as valid data.
schema.config.generation.update(with_security_parameters=False, allow_x00=False)
CSRF = "schemathesisSchemathesisCsrf0123"  # a 32-character secret, sent as cookie and header


@pytest.fixture
def keep_test_connection(db):
    """Django's test client keeps the test's database connection open across requests; a
    plain WSGI call would close it at the end of each (and the test's transaction with it)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def signed_in(keep_test_connection, province, client) -> dict:
    client.force_login(province["users"]["tuyengiao"])
    return {"Cookie": f"sessionid={client.cookies['sessionid'].value}; csrftoken={CSRF}", "X-CSRFToken": CSRF}


@schema.parametrize()
@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_every_operation_answers_as_its_schema_says(case, signed_in):
    case.call_and_validate(headers=signed_in)
