"""Invoice numbers found in remittance texts as people write them (engine/invoice_numbers)."""

from __future__ import annotations

import pytest

from engine.invoice_numbers import MAX_KEYS, keys_in_text, number_key, whole_keys


def test_number_key_is_letters_and_digits_upper_case_full_width_folded() -> None:
    assert number_key("INV-2026-0042") == "INV20260042"
    assert number_key("inv 2026 0042") == "INV20260042"
    assert number_key("ＩＮＶ２０２６－００４２") == "INV20260042"


@pytest.mark.parametrize("text", [
    "INV-2026-0042",
    "inv 2026 0042",
    "INV/2026/0042",
    "INV.2026.0042",
    "ＩＮＶ－２０２６－００４２",  # full width
    "付INV2026-0042货款",  # Chinese around it
    "HUAXING TRADING INV-2026-0042 货款",
    "payment of invoice no. INV 2026-0042, thanks",
])
def test_one_number_written_many_ways(text: str) -> None:
    assert "INV20260042" in keys_in_text(text)


@pytest.mark.parametrize("text, numbers", [
    ("HUAXING TRADING INV-2026-0042/0043 货款", ["0042", "0043"]),
    ("INV-2026-0042、0043", ["0042", "0043"]),
    ("INV-2026-0042，0043", ["0042", "0043"]),  # a full-width comma
    ("INV-2026-0042,0043,0045", ["0042", "0043", "0045"]),
    ("INV-2026-0042及0043", ["0042", "0043"]),
    ("INV-2026-0042~0045", ["0042", "0043", "0044", "0045"]),
    ("INV-2026-0042～0045", ["0042", "0043", "0044", "0045"]),
    ("付INV-2026-0042至0045货款", ["0042", "0043", "0044", "0045"]),
    ("INV-2026-0042-0045", ["0042", "0043", "0044", "0045"]),
    ("INV-2026-0042/43", ["0042", "0043"]),  # a short tail replaces the end of the first
    ("INV20260042~45", ["0042", "0043", "0044", "0045"]),
])
def test_lists_and_ranges_name_every_number(text: str, numbers: list[str]) -> None:
    keys = keys_in_text(text)
    for tail in numbers:
        assert f"INV2026{tail}" in keys, (text, tail, keys)


def test_a_list_does_not_invent_numbers_between_its_elements() -> None:
    keys = keys_in_text("INV-2026-0042,0045")
    assert "INV20260045" in keys
    assert "INV20260043" not in keys and "INV20260044" not in keys


def test_a_range_is_bounded() -> None:
    keys = keys_in_text("INV-2026-0001~0100")  # 100 numbers: only its ends
    assert "INV20260001" in keys and "INV20260100" in keys
    assert "INV20260050" not in keys
    assert len(keys) <= MAX_KEYS


def test_a_dash_between_short_groups_is_no_range() -> None:
    keys = keys_in_text("paid 2026-11-30")  # a date, not invoices 11 to 30
    assert "202611" in keys and "20261130" in keys
    assert "202612" not in keys and "202629" not in keys


def test_keys_have_a_digit_and_three_characters_at_least() -> None:
    keys = keys_in_text("HUAXING TRADING 货款 42 AB-7")
    # "42" is too short, the names have no digit, Chinese ends a number
    assert keys == ["42AB7", "AB7"]
    assert keys_in_text("货款") == []
    assert keys_in_text("") == []


def test_plain_numbers_and_lower_case() -> None:
    assert "12345" in keys_in_text("invoice 12345")
    assert "SO2026A17" in keys_in_text("so 2026a17")


def test_a_long_text_gives_at_most_max_keys_most_plausible_first() -> None:
    text = "HUAXING TRADING CO LTD " + " ".join(str(n) for n in range(100, 400))
    keys = keys_in_text(text)
    assert len(keys) == MAX_KEYS
    assert len(set(keys)) == len(keys)
    assert keys_in_text(text) == keys  # deterministic


def test_whole_keys_are_numbers_not_part_of_a_longer_one() -> None:
    assert whole_keys("HUAXING INV-2026-0042 货款, 2026") == {"2026"} | {"HUAXINGINV20260042"}
    assert whole_keys("付INV2026-0042货款") == {"INV20260042"}
    assert whole_keys("货款") == set()
