"""People and access: roles and what each may do, password hashing, tokens."""

from arflow.auth.roles import PERMISSIONS, ROLES, TOKEN_ROLES, Principal, allowed

__all__ = ["PERMISSIONS", "ROLES", "TOKEN_ROLES", "Principal", "allowed"]
