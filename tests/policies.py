"""Policy folders for the champion/challenger tests: copies of rules/ with a change."""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# the challenger of these tests escalates at 20 days overdue instead of the champion's 30
ESCALATE_AT_30 = "days_overdue >= 30 or (days_overdue >= 15 and balance >= 100000)"
ESCALATE_AT_20 = "days_overdue >= 20"


def champion_and_challenger(tmp_path: Path, challenger: str,
                            challenger_folder: str = "rules-challenger") -> Path:
    """``tmp_path/rules`` naming ``challenger`` (the YAML value of the key, e.g.
    ``{folder: rules-challenger, segment: export}``) and ``tmp_path/rules-challenger``,
    a copy escalating at 20 days overdue; the champion's folder is returned."""
    champion = tmp_path / "rules"
    other = tmp_path / challenger_folder
    shutil.copytree(ROOT / "rules", champion)
    shutil.copytree(ROOT / "rules", other)
    collection = other / "collection.yaml"
    text = collection.read_text(encoding="utf-8")
    assert ESCALATE_AT_30 in text
    collection.write_text(text.replace(ESCALATE_AT_30, ESCALATE_AT_20), encoding="utf-8")
    (champion / "challenger.yaml").write_text(f"challenger: {challenger}\n", encoding="utf-8")
    return champion
