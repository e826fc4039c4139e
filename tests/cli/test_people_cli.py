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
