"""Demo sign-ins: one user per demo collector, a credit manager and an admin, all with
one well-known password so the web app can be tried at once. Never for production: the
demo prints the password; real users are added with `arflow user add`."""

from __future__ import annotations

from ledger.db import Engine, Session

DEMO_PASSWORD = "arflow-demo"
EXTRA = {"credit.manager": ("credit_manager", "zh-CN"), "admin": ("admin", "en")}


def demo_users(engine: Engine, collectors: dict[str, str]) -> list[str]:
    """Add the users that do not exist yet (collector name -> UI language); their names."""
    from arflow.auth.passwords import hash_password
    from ledger.people_store import add_user, find_user

    wanted = {name: ("collector", language) for name, language in collectors.items()}
    wanted.update(EXTRA)
    password_hash = hash_password(DEMO_PASSWORD)
    with Session(engine) as session:
        for name, (role, language) in wanted.items():
            if find_user(session, name) is None:
                add_user(session, name, role, password_hash, language)
        session.commit()
    return sorted(wanted)
