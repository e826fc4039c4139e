"""The defaults the package carries: the policy (rules/), settings.yaml and the email
templates, read with importlib.resources so an installed wheel has them (``arflow init``
copies them into a project folder; a folder without config/templates falls back here).

In the repository ``rules`` and ``config`` here are links to the repository's rules/ and
config/: one copy, which ``make run``, the tests and a built wheel all read.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

__all__ = ["RULES", "SETTINGS", "TEMPLATES", "folder", "project_files"]

RULES = "rules"
SETTINGS = "config/settings.yaml"
TEMPLATES = "config/templates"


def folder(name: str) -> Path:
    """The packaged file or folder ``name`` (one of the constants above) on disk.

    Wheels install as files, so the resource is a real path; a zipped install is not
    supported (the templates' loader and ``arflow init`` copy from the file system)."""
    resource = files(__name__).joinpath(name)
    if not isinstance(resource, Path):
        raise RuntimeError(f"arflow's packaged defaults are not on the file system: {resource}")
    return resource


def project_files() -> list[tuple[str, Path]]:
    """Every packaged default as (its path in a project folder, the packaged file), in path
    order: what ``arflow init`` writes."""
    found = [(SETTINGS, folder(SETTINGS))]
    for name in (RULES, TEMPLATES):
        root = folder(name)
        found += [(f"{name}/{path.relative_to(root).as_posix()}", path)
                  for path in root.rglob("*") if path.is_file()]
    return sorted(found)
