"""Roles and permissions: the one table every route is checked against.

Collectors act on the customers assigned to them (``Customer.collector``); credit managers
change limits, release held orders, publish policy and apply bank lines (``cash``: the
queue holds lines of no known customer yet, so collectors do not see it at all); admins
manage users. Systems (API tokens, role ``system``) feed the ledger, place orders and
apply bank lines.
"""

from __future__ import annotations

from dataclasses import dataclass

from workflows.people import ROLES, TOKEN_ROLES  # the role names: one list, for every layer

__all__ = ["ANONYMOUS", "GRANTS", "PERMISSIONS", "ROLES", "TOKEN_ROLES", "Principal", "allowed"]


# permission -> what it lets a caller do
PERMISSIONS: dict[str, str] = {
    "collect": "work tasks and act on receivables (collectors: their own customers only)",
    "read_all": "see every customer, not only the ones assigned",
    "credit": "change credit limits, release or reject held orders",
    "policy": "upload, preview and publish policy",
    "ledger_write": "create and update customers, receivables and payments",
    "orders": "check and place orders",
    "users": "manage users and API tokens",
    "dashboard": "read the dashboard and reports",
    "cash": "cash application: see bank statement lines and apply, split or unapply them",
}

GRANTS: dict[str, frozenset[str]] = {
    "collector": frozenset({"collect", "orders", "dashboard"}),
    "credit_manager": frozenset(
        {"collect", "read_all", "credit", "policy", "orders", "dashboard", "ledger_write",
         "cash"}
    ),
    "admin": frozenset({"read_all", "users", "dashboard"}),
    "system": frozenset({"collect", "read_all", "ledger_write", "orders", "cash"}),
}


def allowed(role: str, permission: str) -> bool:
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")
    return permission in GRANTS.get(role, frozenset())


@dataclass(frozen=True)
class Principal:
    """Who is calling: a signed-in user (``kind="user"``) or a token (``kind="token"``)."""

    name: str
    role: str
    kind: str  # user | token
    language: str = "zh-CN"
    csrf_token: str = ""  # the session's, for users signed in with a cookie

    @property
    def actor(self) -> str:
        """How the audit log names them: ``web:li.na`` or ``api:erp``."""
        return f"{'web' if self.kind == 'user' else 'api'}:{self.name}"

    def can(self, permission: str) -> bool:
        return allowed(self.role, permission)

    @property
    def sees_all(self) -> bool:
        """False for collectors: they see only the customers assigned to them."""
        return self.can("read_all")


ANONYMOUS = Principal(name="anonymous", role="", kind="token")
