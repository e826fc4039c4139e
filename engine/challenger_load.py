"""Loading a champion's challenger: where its folder is, why an upload cannot carry it, and
the champion holding it (engine/policy.py loads the files; engine/challenger.py parses the
key and assigns customers). Apart from engine/policy.py so that it stays one thing: the
policy's own files."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Protocol, TypeVar

from engine.challenger import Challenger
from engine.errors import PolicyError, Problem


class _Loaded(Protocol):
    @property
    def challenger(self) -> Challenger | None: ...


P = TypeVar("P", bound=_Loaded)


def challenger_folder(spec: Challenger, directory: str | Path) -> Path:
    """The challenger's folder (a relative one beside the champion's); PolicyError when it
    is the champion's own or does not exist."""
    champion = Path(directory).absolute()
    folder = Path(spec.folder)
    folder = folder if folder.is_absolute() else champion.parent / folder
    if folder.absolute() == champion:
        raise PolicyError([Problem.at(spec.source, (
            "challenger: the folder is this policy's own folder; name another policy folder"),
            "policy.challenger.own_folder")])
    if not folder.is_dir():
        raise PolicyError([Problem.at(spec.source, (
            f"challenger: policy folder {folder} not found (a relative folder is read from "
            f"{champion.parent}, the folder holding {champion.name})"),
            "policy.challenger.not_found",
            (("folder", str(folder)), ("parent", str(champion.parent)),
             ("champion", champion.name)))])
    return folder


def upload_refused(spec: Challenger) -> PolicyError:
    """An upload holds one folder: a policy naming a challenger is changed on the server."""
    return PolicyError([Problem.at(spec.source, (
        "challenger: a policy naming a challenger folder is changed in its folders on "
        "the server (an upload holds one folder): edit both there and check them with "
        "'arflow policy check'"), "policy.challenger.upload", (("folder", spec.folder),))])


def attach(champion: P, challenger: P) -> P:
    """The champion holding its loaded challenger, which may not name one of its own."""
    if challenger.challenger is not None:
        raise PolicyError([Problem.at(challenger.challenger.source, (
            "challenger: a challenger policy may not name a challenger of its own; remove "
            "this key"), "policy.challenger.nested")])
    return replace(champion, challenger_policy=challenger)  # type: ignore[type-var]
