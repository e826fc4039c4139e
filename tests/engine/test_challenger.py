"""Champion and challenger: the arm of a customer (stable, about the share asked for) and
the ``challenger:`` key checked with file:line, the challenger folder with the champion."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from engine import PolicyError, load_policy, load_policy_texts
from engine.challenger import Challenger, arm_of, hash_point
from engine.errors import Location
from tests.policies import champion_and_challenger

HERE = Location("challenger.yaml", 1)


def test_a_hash_share_is_stable_and_about_the_share_asked_for():
    share = Challenger("rules-challenger", Decimal("0.2"), (), HERE)
    codes = [f"C{n:05d}" for n in range(10_000)]
    arms = [arm_of(share, code, None) for code in codes]
    assert arms == [arm_of(share, code, "any segment") for code in codes]  # code only
    assert 1_900 <= arms.count("challenger") <= 2_100  # 20% of 10,000, +-1%
    bigger = Challenger("rules-challenger", Decimal("0.3"), (), HERE)
    grown = [arm_of(bigger, code, None) for code in codes]
    # growing the share only moves champions over: no challenger goes back
    assert all(b == "challenger" for a, b in zip(arms, grown, strict=True) if a == "challenger")


def test_the_point_of_a_code_is_its_sha256():
    """Not Python's salted hash(): the same point on every run and every machine."""
    import hashlib

    assert hash_point(" C001 ") == hash_point("C001")  # as imported, spaces trimmed
    digest = hashlib.sha256(b"C001").digest()
    assert hash_point("C001") == Decimal(int.from_bytes(digest[:8], "big")) / Decimal(2) ** 64


def test_a_segment_challenger_takes_its_segments_whatever_their_case():
    spec = Challenger("rules-challenger", None, ("SME", "Retail"), HERE)
    assert arm_of(spec, "C1", "sme") == "challenger"
    assert arm_of(spec, "C2", " retail ") == "challenger"
    assert arm_of(spec, "C3", "export") == "champion"
    assert arm_of(spec, "C4", None) == "champion"
    assert arm_of(None, "C5", "SME") == "champion"  # no challenger: all champion


def test_the_champion_loads_its_challenger_folder(tmp_path: Path):
    policy = load_policy(champion_and_challenger(tmp_path, "{folder: rules-challenger, "
                                                           "share: 20%}"))
    assert policy.challenger is not None and policy.challenger.share == Decimal("0.2")
    other = policy.challenger_policy
    assert other is not None and other.hash != policy.hash
    assert str(other.stage("escalated").when) != str(policy.stage("escalated").when)
    assert policy.for_arm("challenger") is other and policy.for_arm("champion") is policy
    fraction = load_policy(champion_and_challenger(tmp_path / "b", "{folder: "
                                                   f"{tmp_path / 'rules-challenger'}, "
                                                   "segment: [SME, export]}"))
    assert fraction.challenger.segments == ("SME", "export")  # an absolute folder


@pytest.mark.parametrize(("key", "line", "message"), [
    ("{folder: rules-challenger, share: 20}", 1, "challenger.share: 20 is not a share; write"),
    ("{folder: rules-challenger, share: 100%}", 1, "more than 0% and less than 100%"),
    ("{folder: rules-challenger, share: 20%, segment: SME}", 1, "either 'share'"),
    ("{folder: rules-challenger}", 1, "either 'share'"),
    ("{share: 20%}", 1, "'folder' must name the challenger's policy folder"),
    ("{folder: rules-challenger, segment: SME, plan: b}", 1, "unknown key 'plan'"),
    ("\n  folder: rules-challenger\n  segment: [SME, 3]", 3, "challenger.segment: a customer"),
    ("{folder: nowhere, share: 20%}", 1, "challenger: policy folder"),
    ("{folder: rules, share: 20%}", 1, "this policy's own folder"),
    ("rules-challenger", 1, "challenger must be a mapping"),
])
def test_a_bad_challenger_key_names_its_file_and_line(tmp_path: Path, key: str, line: int,
                                                      message: str):
    champion = champion_and_challenger(tmp_path, key)
    with pytest.raises(PolicyError) as caught:
        load_policy(champion)
    found = [p for p in caught.value.problems if message in p.message]
    assert found, caught.value
    assert (found[0].file, found[0].line) == (str(champion / "challenger.yaml"), line)


def test_a_problem_in_the_challenger_names_the_challengers_file(tmp_path: Path):
    champion = champion_and_challenger(tmp_path, "{folder: rules-challenger, share: 20%}")
    bad = tmp_path / "rules-challenger" / "warnings.yaml"
    bad.write_text("warnings:\n  - id: w\n    level: purple\n    when: balance > 0\n",
                   encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(champion)
    assert [(p.file, p.line) for p in caught.value.problems] == [(str(bad), 3)]


def test_a_challenger_may_not_name_its_own(tmp_path: Path):
    champion = champion_and_challenger(tmp_path, "{folder: rules-challenger, share: 20%}")
    own = tmp_path / "rules-challenger" / "challenger.yaml"
    own.write_text("challenger: {folder: rules, share: 10%}\n", encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(champion)
    problem = caught.value.problems[0]
    assert (problem.file, problem.line) == (str(own), 1)
    assert "may not name a challenger of its own" in problem.message


def test_texts_naming_a_challenger_need_its_files(tmp_path: Path):
    """An upload (the web's policy page) holds one folder: refused with file:line; the
    last good policy comes back with the challenger's files from the database."""
    policy = load_policy(champion_and_challenger(tmp_path, "{folder: rules-challenger, "
                                                           "segment: SME}"))
    with pytest.raises(PolicyError) as caught:
        load_policy_texts(policy.files)
    problem = caught.value.problems[0]
    assert (problem.file, problem.line) == ("challenger.yaml", 1)
    assert "changed in its folders on the server" in problem.message
    assert policy.challenger_policy is not None
    again = load_policy_texts(policy.files, policy.challenger_policy.files)
    assert again.challenger_policy == policy.challenger_policy and again == policy
