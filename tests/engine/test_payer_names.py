"""Payer names matched to customers' names, Chinese and Latin (engine/payer_names)."""

from __future__ import annotations

import random

import pytest
from rapidfuzz import fuzz

from engine.payer_names import AMBIGUITY, SCORE_CUTOFF, NameIndex, normalize_name


@pytest.mark.parametrize("name, normalized", [
    ("Huaxing Trading Co., Ltd.", "huaxingtrading"),
    ("HUAXING TRADING CO LTD", "huaxingtrading"),
    ("Huaxing Trading Company Limited", "huaxingtrading"),
    ("Acme Inc.", "acme"),
    ("Müller GmbH", "müller"),
    ("Bright Star LLC", "brightstar"),
    ("华兴贸易（上海）有限公司", "华兴贸易上海"),
    ("华兴贸易(上海)有限公司", "华兴贸易上海"),
    ("华兴集团股份有限公司", "华兴"),
    ("ＨＵＡＸＩＮＧ　ＴＲＡＤＩＮＧ", "huaxingtrading"),  # full width, ideographic space
    ("Company Limited", "companylimited"),  # only legal forms: kept rather than vanish
    ("", ""),
])
def test_normalize_name(name: str, normalized: str) -> None:
    assert normalize_name(name) == normalized


NAMES = {
    1: "华兴贸易（上海）有限公司",
    2: "Huaxing Trading Co., Ltd.",
    3: "Shenzhen Bright Star Electronics Co., Ltd.",
    4: "深圳明星电子科技有限公司",
    5: "Northwind Traders Inc.",
    6: "Northwind Tradery Inc.",  # one letter from customer 5
    7: "Acme Ltd",
    8: "ACME Limited",  # the same normalized name as 7
}


@pytest.fixture(scope="module")
def index() -> NameIndex:
    return NameIndex(NAMES)


def test_the_same_name_after_normalizing_scores_100(index: NameIndex) -> None:
    assert index.best("华兴贸易(上海)有限公司") == (1, 100)
    assert index.best("HUAXING TRADING CO LTD") == (2, 100)


def test_a_near_name_scores_by_how_alike(index: NameIndex) -> None:
    # a bank cuts the name short: 'shenzhenbrightstarelectronic' vs '...electronics'
    # (ratio = 2 * 28 / (28 + 29) = 98.2)
    assert index.best("SHENZHEN BRIGHT STAR ELECTRONIC") == (3, 98)
    # one character missing of twelve ('深圳明星电子科技' 8 vs 7 characters: 2*7/15 = 93.3)
    assert index.best("深圳明星电子技有限公司") == (4, 93)


def test_a_different_name_is_no_match(index: NameIndex) -> None:
    assert index.best("Contoso Pharmaceuticals") is None
    assert index.best("上海宏达建材有限公司") is None
    assert index.best("") is None
    assert index.best("Co., Ltd.") is None


def test_two_close_names_are_never_guessed_between(index: NameIndex) -> None:
    # 'northwindtraders' is exact for 5 (100): exact wins over the fuzzy 6
    assert index.best("Northwind Traders") == (5, 100)
    # 'northwindtrader' is as close to 5 as to 6 (2 * 15 / 31 = 96.8 each): no answer
    assert index.best("Northwind Trader") is None
    # closer to 6 by more than 2 points (2*16/33 = 97.0 against 2*15/33 = 90.9): 6
    assert index.best("Northwind Traderyy") == (6, 97)
    # two customers with the same normalized name: no answer
    assert index.best("Acme") is None


def test_large_index_answers_exact_and_fuzzy() -> None:
    names = {i: f"Customer {i:05d} Trading Co., Ltd." for i in range(1, 5001)}
    names[9999] = "华兴贸易有限公司"
    index = NameIndex(names)
    assert len(index) == 5001
    assert index.best("CUSTOMER 04242 TRADING") == (4242, 100)
    assert index.best("华兴贸易有限责任公司") == (9999, 100)
    # 'customer04242tradin' is close to 4242 but as close to ...4241? 'customer04241trading'
    # differs in two places: 4242 is best by more than 2 points
    found = index.best("Customer 04242 Tradin")
    assert found is not None and found[0] == 4242 and found[1] == 97


def test_the_length_band_finds_what_scoring_every_name_finds() -> None:
    rng = random.Random(7)
    letters = "abcdefgh华兴贸易电子"
    names = {i: "".join(rng.choices(letters, k=rng.randint(3, 14))) for i in range(400)}
    index = NameIndex(names)
    keys = {normalize_name(name) for name in names.values()}
    found = 0
    for _ in range(300):
        name = normalize_name(names[rng.randrange(400)])
        at = rng.randrange(len(name))
        query = name[:at] + "".join(rng.choices(letters, k=rng.randint(0, 2))) + name[at + 1:]
        if query in keys:
            continue
        every = sorted(((score, key) for key in keys
                        if (score := fuzz.ratio(query, key)) >= SCORE_CUTOFF - AMBIGUITY),
                       reverse=True)
        expected = None
        if every and every[0][0] >= SCORE_CUTOFF and len(index._ids[every[0][1]]) == 1 \
                and (len(every) == 1 or every[1][0] < every[0][0] - AMBIGUITY):
            expected = (index._ids[every[0][1]][0], min(round(every[0][0]), 99))
        assert index.best(query) == expected, query
        found += expected is not None
    assert found > 100  # most near names are found, some are ambiguous
