"""Helpers for engine tests: write small policies into tmp_path, read their problems."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from engine import PolicyError, load_policy


@pytest.fixture
def policy_dir(tmp_path: Path) -> Callable[..., Path]:
    """Write {name: text} into a fresh policy folder and return it."""

    def write(**files: str) -> Path:
        folder = tmp_path / "rules"
        folder.mkdir(exist_ok=True)
        for name, text in files.items():
            (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
        return folder

    return write


@pytest.fixture
def problems(policy_dir: Callable[..., Path]) -> Callable[..., list[str]]:
    """Load a policy that must fail; return its problems as 'file:line: message' strings."""

    def load(**files: str) -> list[str]:
        folder = policy_dir(**files)
        with pytest.raises(PolicyError) as caught:
            load_policy(folder)
        return [str(problem).replace(f"{folder}/", "") for problem in caught.value.problems]

    return load
