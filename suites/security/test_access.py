"""X1: nobody without the root password can change an index, upload to root/local or delete one.

The strangers: anonymous, a forged token, and a user of devpi's own (registered and logged in, as
anyone can on a default devpi: user creation is open), who is no stranger to devpi but owns none of
root's indexes. Each attempt goes to a per-test clone of the deployment's indexes (its configuration, the ACLs
included, read back from devpi), so an attempt that wrongly succeeds damages nothing of the
session. What is asserted is the user's concern: the attempt is refused (401 or 403) and the
index is as it was afterwards; which of the two statuses devpi chose is a figure.
"""

from __future__ import annotations

import base64
import itertools
from collections.abc import Callable

import pytest

from fixtures.api import http_session

BOGUS = base64.b64encode(b"root:not-a-token").decode()


def attempts(index: str, dist, dialect) -> dict[str, tuple[str, str, dict]]:  # noqa: ANN001
    """What a stranger tries: (method, path, requests keyword arguments)."""
    return {
        "create an index": ("PUT", "root/x1-stranger", {"json": {"type": dialect.index_type("stage"), "bases": []}}),
        "change root/local's bases": ("PATCH", index, {"json": ["bases=root/pypi"]}),
        "upload to root/local": ("POST", f"{index}/", {
            "data": {":action": "file_upload", "name": dist.name, "version": dist.version},
            "files": {"content": (dist.filename, dist.path.read_bytes())}}),
        "delete root/local": ("DELETE", index, {}),
    }


_users = itertools.count(1)


def registered_user(devpi) -> dict[str, str]:  # noqa: ANN001
    """A new user of devpi, created and logged in as anybody can (no root login): the auth header of its login."""
    user, password = f"x1-user-{next(_users)}", "a-users-own-password"
    with http_session() as anybody:
        anybody.headers["Accept"] = "application/json"
        created = anybody.put(devpi.api.url + user, json={"password": password, "email": f"{user}@example.test"}, timeout=30)
        assert created.status_code == 201, (
            f"[X1] precondition: creating the user {user} without a login answered {created.status_code}: {created.text[:500]}")
        login = anybody.post(devpi.api.url + "+login", json={"user": user, "password": password}, timeout=30)
        assert login.status_code == 200, f"[X1] precondition: {user} could not log in ({login.status_code}): {login.text[:500]}"
    token = login.json()["result"]["password"]
    header = {"X-Devpi-Auth": base64.b64encode(f"{user}:{token}".encode()).decode()}
    # Refused attempts prove nothing of this user if devpi took the header for nobody's.
    with http_session() as anybody:
        status = anybody.get(devpi.api.url + "+api", headers={"Accept": "application/json", **header}, timeout=30)
    authstatus = status.json()["result"].get("authstatus", [])
    assert authstatus[:2] == ["ok", user], f"[X1] precondition: devpi does not take {user}'s login as {user}: {authstatus}"
    return header


WHO: dict[str, Callable[..., dict[str, str]]] = {
    "anonymous": lambda devpi: {},
    "a wrong token": lambda devpi: {"X-Devpi-Auth": BOGUS},
    "a registered user": registered_user,
}


@pytest.mark.promise("X1")
@pytest.mark.parametrize("who", WHO)
def test_without_the_root_password_nothing_can_be_changed(who, devpi, fresh_local, packages, project_name, figure):
    index = fresh_local.name
    before = devpi.api.index_config(index)
    dist = packages.wheel(project_name("upload"), "1.0")
    statuses = {}
    with http_session() as stranger:
        stranger.headers.update({"Accept": "application/json", **WHO[who](devpi)})
        for what, (method, path, kwargs) in attempts(index, dist, devpi.api.dialect).items():
            response = stranger.request(method, devpi.api.url + path, timeout=30, **kwargs)
            statuses[what] = response.status_code
            assert response.status_code in (401, 403), (
                f"[X1] {who} could {what} on {devpi.url} ({method} /{path} answered {response.status_code}): "
                f"{response.text[:500]}")
    assert devpi.api.index_config(index) == before, f"[X1] {index} changed although every attempt was refused"
    status, page = devpi.api.simple_page(index, dist.name)
    assert dist.filename not in page, f"[X1] the refused upload of {dist.filename} is on {index}'s page ({status})"
    figure(f"X1_{who.replace(' ', '_')}_statuses", statuses,
           f"X1 {who}: devpi refused " + ", ".join(f"{what} with {code}" for what, code in statuses.items()))


@pytest.mark.promise("X1")
def test_a_wrong_password_gets_no_login(devpi):
    with http_session() as stranger:
        response = stranger.post(devpi.api.url + "+login", json={"user": "root", "password": "not-the-password"}, timeout=30,
                                 headers={"Accept": "application/json"})
    assert response.status_code in (401, 403), (
        f"[X1] a login as root with a wrong password answered {response.status_code}: {response.text[:500]}")
