"""`arflow user` and `arflow token`: hashed secrets, exit 2 on bad input."""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlmodel import Session

from arflow.auth.passwords import verify_password
from arflow.auth.tokens import digest
from ledger.models import ApiToken, User


def test_user_add_hashes_the_prompted_password(arflow, db: Engine) -> None:
    ran = arflow("user", "add", "li.na", "--role", "collector",
                 input="s3cret-pass\ns3cret-pass\n")
    assert ran.exit_code == 0, ran.stderr
    with Session(db) as session:
        user = session.execute(select(User)).scalar_one()
    assert user.role == "collector" and user.language == "zh-CN"
    assert user.password_hash.startswith("$argon2id$")
    assert "s3cret-pass" not in user.password_hash
    assert verify_password(user.password_hash, "s3cret-pass")
    assert arflow("user", "list", "--json").json() == [
        {"name": "li.na", "role": "collector", "language": "zh-CN", "active": True}]


def test_user_add_refuses_bad_input_and_duplicates(arflow, db: Engine) -> None:
    bad_role = arflow("user", "add", "x", "--role", "boss", input="long-enough\nlong-enough\n")
    assert bad_role.exit_code == 2 and "--role" in bad_role.stderr
    short = arflow("user", "add", "x", "--role", "admin", "--password-stdin", input="short\n")
    assert short.exit_code == 2 and "at least 8" in short.stderr
    assert arflow("user", "add", "x", "--role", "admin", "--password-stdin",
                  input="long-enough\n").exit_code == 0
    again = arflow("user", "add", "x", "--role", "admin", "--password-stdin",
                   input="long-enough\n")
    assert again.exit_code == 2 and "exists already" in again.stderr
    assert arflow("user", "set", "nobody", "--disabled").exit_code == 2


def test_token_is_shown_once_and_stored_as_a_digest(arflow, db: Engine) -> None:
    ran = arflow("token", "create", "--name", "erp")
    assert ran.exit_code == 0, ran.stderr
    secret = ran.stdout.strip().splitlines()[-1]
    assert secret.startswith("arf_") and len(secret) > 40
    with Session(db) as session:
        token = session.execute(select(ApiToken)).scalar_one()
    assert token.role == "system" and token.token_hash == digest(secret)
    assert arflow("token", "create", "--name", "erp").exit_code == 2  # duplicate name
    assert arflow("token", "revoke", "erp").exit_code == 0
    assert arflow("token", "revoke", "erp").exit_code == 2  # not live any more
    assert arflow("token", "list", "--json").json()[0]["revoked"] is True


def test_user_and_token_changes_from_the_cli_are_audited(arflow, db: Engine) -> None:
    import getpass

    from ledger.models import Activity

    assert arflow("user", "add", "wang.wei", "--role", "collector", "--password-stdin",
                  input="long-enough\n").exit_code == 0
    assert arflow("user", "set", "wang.wei", "--role", "credit_manager", "--language", "en",
                  "--password-stdin", "--disabled", input="another-one\n").exit_code == 0
    assert arflow("token", "create", "--name", "erp").exit_code == 0
    assert arflow("token", "revoke", "erp").exit_code == 0
    with Session(db) as session:
        audit = session.execute(select(Activity.action, Activity.entity, Activity.subject,
                                       Activity.actor, Activity.details)
                                .order_by(Activity.id)).all()
        user = session.execute(select(User)).scalar_one()
    me = f"cli:{getpass.getuser()}"
    assert [tuple(a[:4]) for a in audit] == [
        ("user_added", "user", "wang.wei", me),
        ("user_changed", "user", "wang.wei", me),
        ("password_reset", "user", "wang.wei", me),
        ("user_disabled", "user", "wang.wei", me),
        ("token_created", "token", "erp", me),
        ("token_revoked", "token", "erp", me),
    ]
    assert audit[0].details == {"role": "collector", "language": "zh-CN"}
    assert audit[1].details == {"from": {"role": "collector", "language": "zh-CN"},
                                "to": {"role": "credit_manager", "language": "en"}}
    assert "another-one" not in str(audit[2].details)
    assert (user.role, user.language, user.active) == ("credit_manager", "en", False)
    assert verify_password(user.password_hash, "another-one")


def test_a_refused_change_writes_nothing(arflow, db: Engine) -> None:
    from ledger.models import Activity

    assert arflow("user", "set", "nobody", "--role", "admin").exit_code == 2
    bad = arflow("token", "create", "--name", "erp", "--role", "boss")
    assert bad.exit_code == 2 and bad.stderr.startswith("arflow: --role: 'boss'")
    assert arflow("token", "revoke", "erp").exit_code == 2
    with Session(db) as session:
        assert session.execute(select(Activity)).first() is None
        assert session.execute(select(ApiToken)).first() is None


def test_the_cli_and_the_web_refuse_a_bad_name_alike(arflow, db: Engine, db_url: str,
                                                     tmp_path) -> None:
    from pathlib import Path

    from arflow.settings import Settings
    from arflow.web import create_app
    from tests.people import make_user, web_sign_in
    from tests.web.conftest import TestClient
    from workflows.people import NAME_RULE

    cli = arflow("user", "add", "li na", "--role", "collector", "--password-stdin",
                 input="long-enough\n")
    assert (cli.exit_code, cli.stderr.strip()) == (2, f"arflow: {NAME_RULE}")
    token = arflow("token", "create", "--name", "e r p")
    assert (token.exit_code, token.stderr.strip()) == (2, f"arflow: {NAME_RULE}")
    make_user(db, "admin.zhao", "admin")
    settings = Settings(home=tmp_path, database_url=db_url,
                        policy_dir=Path(__file__).resolve().parents[2] / "rules",
                        timezone="Asia/Shanghai")
    with TestClient(create_app(settings, db)) as web:
        csrf = web_sign_in(web, "admin.zhao")
        page = web.post("/admin/users", data={"csrf_token": csrf, "name": "li na",
                                              "role": "collector", "password": "long-enough"},
                        follow_redirects=False)
    assert page.status_code == 422 and "invalid_name" in page.text and NAME_RULE in page.text
    with Session(db) as session:
        assert session.execute(select(User.name)).scalars().all() == ["admin.zhao"]
