"""The matcher: a bank line's proposals from invoice numbers, the payer and the amount
(engine/bank_match.propose over a Book kept in memory; no database)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.bank_match import OpenInvoice, Proposal, StatementLine, explain, propose
from engine.invoice_numbers import number_key

D = Decimal
TOLERANCE = D("50.00")
HUAXING, BRIGHT, ACME = 1, 2, 3


@dataclass
class FakeBook:
    """The Book protocol from plain lists: what ledger/bank_book answers from the database."""

    invoices: list[OpenInvoice] = field(default_factory=list)
    accounts: dict[str, int] = field(default_factory=dict)
    names: dict[str, tuple[int, int]] = field(default_factory=dict)
    asked_keys: list[str] = field(default_factory=list)

    def invoices_by_key(self, keys: Iterable[str]) -> list[OpenInvoice]:
        wanted = set(keys)
        self.asked_keys.extend(wanted)
        return [inv for inv in self.invoices if number_key(inv.number) in wanted]

    def customer_of_account(self, account: str) -> int | None:
        return self.accounts.get(account)

    def customer_of_name(self, name: str) -> tuple[int, int] | None:
        return self.names.get(name)

    def open_invoices(self, customer_id: int, currency: str) -> list[OpenInvoice]:
        return sorted((inv for inv in self.invoices
                       if inv.customer_id == customer_id and inv.currency == currency),
                      key=lambda inv: (inv.due_date, inv.id))


def inv(id: int, number: str, customer: int, balance: str, due: int = 1,
        currency: str = "CNY") -> OpenInvoice:
    return OpenInvoice(id=id, number=number, customer_id=customer,
                       due_date=date(2026, 10, due), balance=D(balance), currency=currency)


def line(amount: str, text: str = "", name: str = "", account: str = "",
         currency: str = "CNY") -> StatementLine:
    return StatementLine(id=1, date=date(2026, 11, 30), amount=D(amount), currency=currency,
                         payer_name=name, payer_account=account, text=text)


def options(proposals: list[Proposal]) -> dict[int, list[tuple[str | None, Decimal, Decimal]]]:
    """{option: [(invoice, amount, charges)]} to compare with values worked out by hand."""
    found: dict[int, list[tuple[str | None, Decimal, Decimal]]] = {}
    for p in proposals:
        found.setdefault(p.option, []).append((p.invoice, p.amount, p.charges))
    return found


def confidence(proposals: list[Proposal], option: int = 1) -> Decimal:
    return next(p.confidence for p in proposals if p.option == option)


@pytest.fixture
def book() -> FakeBook:
    return FakeBook(invoices=[
        inv(42, "INV-2026-0042", HUAXING, "10000.00", due=5),
        inv(43, "INV-2026-0043", HUAXING, "5000.00", due=10),
        inv(44, "INV-2026-0044", HUAXING, "2500.00", due=15),
        inv(45, "INV-2026-0045", HUAXING, "800.00", due=20),
        inv(90, "INV-2026-0090", BRIGHT, "3000.00", due=3, currency="USD"),
        inv(91, "INV-2026-0091", BRIGHT, "7000.00", due=4),
    ], accounts={"6222 0000 1111": HUAXING},
        names={"华兴贸易有限公司": (HUAXING, 100), "HUAXING TRADNG": (HUAXING, 92)})


# -- 1. invoice numbers in the text --------------------------------------------------------

def test_two_numbers_and_the_exact_amount_apply_at_once(book: FakeBook) -> None:
    found = propose(line("15000.00", "HUAXING TRADING INV-2026-0042/0043 货款"), book, TOLERANCE)
    assert options(found) == {1: [("INV-2026-0042", D("10000.00"), D("0")),
                                  ("INV-2026-0043", D("5000.00"), D("0"))]}
    assert confidence(found) == D("0.99")
    assert {p.receivable_id for p in found} == {42, 43}
    assert {p.customer_id for p in found} == {HUAXING}
    assert found[0].reason == ("invoice numbers INV-2026-0042 and INV-2026-0043 in the text; "
                               "the amount equals their balance")
    assert found[0].reason_key == "numbers.exact"
    assert found[0].reason_params["invoices"] == ["INV-2026-0042", "INV-2026-0043"]


@pytest.mark.parametrize("text", [
    "付INV2026-0042货款", "inv 2026 0042", "ＩＮＶ－２０２６－００４２", "INV/2026/0042 payment",
])
def test_one_number_however_written(book: FakeBook, text: str) -> None:
    found = propose(line("10000.00", text), book, TOLERANCE)
    assert options(found) == {1: [("INV-2026-0042", D("10000.00"), D("0"))]}
    assert found[0].reason == ("invoice number INV-2026-0042 in the text; the amount equals "
                               "its balance")


@pytest.mark.parametrize("text", [
    "INV-2026-0042~0045", "INV-2026-0042至0045货款", "INV-2026-0042-0045",
    "INV-2026-0042,0043,0044,0045", "INV-2026-0042、0043、0044、0045",
])
def test_lists_and_ranges(book: FakeBook, text: str) -> None:
    found = propose(line("18300.00", text), book, TOLERANCE)
    assert [p.invoice for p in found] == ["INV-2026-0042", "INV-2026-0043", "INV-2026-0044",
                                          "INV-2026-0045"]
    assert [p.amount for p in found] == [D("10000.00"), D("5000.00"), D("2500.00"), D("800.00")]
    assert confidence(found) == D("0.99")


def test_short_by_bank_charges_within_the_tolerance(book: FakeBook) -> None:
    found = propose(line("14985.00", "INV-2026-0042/0043"), book, TOLERANCE)
    # both settled in full; the 15.00 the bank kept is charges on the last one
    assert options(found) == {1: [("INV-2026-0042", D("10000.00"), D("0")),
                                  ("INV-2026-0043", D("4985.00"), D("15.00"))]}
    assert confidence(found) == D("0.97")
    assert found[0].reason == ("invoice numbers INV-2026-0042 and INV-2026-0043 in the text; "
                               "the amount equals their balance less 15.00 bank charges")
    assert explain(found[0].reason_key, found[0].reason_params, "zh-CN") == (
        "摘要中有发票号 INV-2026-0042、INV-2026-0043；金额等于其余额减去银行手续费 15.00")


def test_short_by_more_than_the_tolerance_is_a_part_payment_oldest_first(book: FakeBook) -> None:
    found = propose(line("12000.00", "INV-2026-0043 INV-2026-0042"), book, TOLERANCE)
    assert options(found) == {1: [("INV-2026-0042", D("10000.00"), D("0")),
                                  ("INV-2026-0043", D("2000.00"), D("0"))]}
    assert confidence(found) == D("0.80")
    assert "a part payment, oldest due first" in found[0].reason
    assert "15,000.00" in found[0].reason


def test_a_tolerance_of_zero_makes_a_short_payment_partial(book: FakeBook) -> None:
    found = propose(line("9990.00", "INV-2026-0042"), book, D("0"))
    assert options(found) == {1: [("INV-2026-0042", D("9990.00"), D("0"))]}
    assert confidence(found) == D("0.80")


def test_more_than_the_balance_leaves_the_surplus_as_credit(book: FakeBook) -> None:
    found = propose(line("10500.00", "INV-2026-0042"), book, TOLERANCE)
    assert options(found) == {1: [("INV-2026-0042", D("10000.00"), D("0")),
                                  (None, D("500.00"), D("0"))]}
    credit = found[1]
    assert credit.receivable_id is None and credit.customer_id == HUAXING
    assert confidence(found) == D("0.85")
    assert found[0].reason == ("invoice number INV-2026-0042 in the text; the amount is more "
                               "than its balance of 10,000.00: 500.00 left as credit on the "
                               "customer")


def test_a_named_invoice_in_another_currency_is_ignored(book: FakeBook) -> None:
    # INV-2026-0090 is in USD; the line is CNY and says nothing else: credit on its customer
    found = propose(line("3000.00", "INV-2026-0090"), book, TOLERANCE)
    assert options(found) == {1: [(None, D("3000.00"), D("0"))]}
    assert found[0].customer_id == BRIGHT
    assert confidence(found) == D("0.40")
    assert found[0].reason == ("invoice number INV-2026-0090 in the text is in USD, the payment "
                               "in CNY; all of it left as unapplied credit on the customer")
    # the same line in USD pays it
    usd = propose(line("3000.00", "INV-2026-0090", currency="USD"), book, TOLERANCE)
    assert options(usd) == {1: [("INV-2026-0090", D("3000.00"), D("0"))]}


def test_another_currency_falls_back_to_the_payer(book: FakeBook) -> None:
    found = propose(line("2500.00", "INV-2026-0090", account="6222 0000 1111"), book, TOLERANCE)
    assert options(found) == {1: [("INV-2026-0044", D("2500.00"), D("0"))]}
    assert found[0].customer_id == HUAXING


def test_invoices_of_two_customers_the_payer_decides(book: FakeBook) -> None:
    text = "INV-2026-0044 INV-2026-0091"
    found = propose(line("2500.00", text, account="6222 0000 1111"), book, TOLERANCE)
    assert options(found)[1] == [("INV-2026-0044", D("2500.00"), D("0"))]
    assert confidence(found) == D("0.99")
    # the other customer's invoice stays a lesser option for a person to pick
    assert options(found)[2] == [("INV-2026-0091", D("2500.00"), D("0"))]
    assert confidence(found, 2) == D("0.50")


def test_invoices_of_two_customers_no_payer_one_option_each(book: FakeBook) -> None:
    found = propose(line("2500.00", "INV-2026-0044 INV-2026-0091"), book, TOLERANCE)
    assert options(found) == {1: [("INV-2026-0044", D("2500.00"), D("0"))],
                              2: [("INV-2026-0091", D("2500.00"), D("0"))]}
    assert confidence(found, 1) == confidence(found, 2) == D("0.60")
    assert "more than one customer" in found[0].reason


# -- 2.-4. no number: the payer and the amount -------------------------------------------

def test_known_account_and_one_invoice_exactly(book: FakeBook) -> None:
    found = propose(line("5000.00", "货款", account="6222 0000 1111"), book, TOLERANCE)
    assert options(found) == {1: [("INV-2026-0043", D("5000.00"), D("0"))]}
    assert confidence(found) == D("0.95")
    assert found[0].reason == ("the payer's account is known to be this customer's; the amount "
                               "equals the balance of invoice INV-2026-0043")


def test_a_combination_of_open_invoices_is_found(book: FakeBook) -> None:
    # 10000 + 800 (0042 + 0045) is the only pair; fewer invoices first
    found = propose(line("10800.00", "货款", account="6222 0000 1111"), book, TOLERANCE)
    assert options(found) == {1: [("INV-2026-0042", D("10000.00"), D("0")),
                                  ("INV-2026-0045", D("800.00"), D("0"))]}
    assert confidence(found) == D("0.92")
    assert found[0].reason == ("the payer's account is known to be this customer's; the amount "
                               "equals the balance of invoices INV-2026-0042 and INV-2026-0045 "
                               "together")
    assert explain(found[0].reason_key, found[0].reason_params, "zh-CN") == (
        "付款账号已知属于该客户；金额等于发票 INV-2026-0042、INV-2026-0045 的余额合计")


def test_two_exact_combinations_of_one_size_are_ambiguous() -> None:
    book = FakeBook(invoices=[inv(1, "A1", ACME, "100.00", 1), inv(2, "A2", ACME, "200.00", 2),
                              inv(3, "A3", ACME, "300.00", 3), inv(4, "A4", ACME, "400.00", 4)],
                    accounts={"X": ACME})
    found = propose(line("500.00", account="X"), book, TOLERANCE)
    # 100 + 400 and 200 + 300: both offered, the older first, neither applied at once
    assert options(found) == {1: [("A1", D("100.00"), D("0")), ("A4", D("400.00"), D("0"))],
                              2: [("A2", D("200.00"), D("0")), ("A3", D("300.00"), D("0"))]}
    assert confidence(found, 1) == confidence(found, 2) == D("0.77")
    assert "check which" in found[0].reason


def test_two_invoices_of_the_same_balance_are_ambiguous() -> None:
    book = FakeBook(invoices=[inv(1, "M10", ACME, "1000.00", 10), inv(2, "M9", ACME, "1000.00", 9)],
                    accounts={"X": ACME})
    found = propose(line("1000.00", account="X"), book, TOLERANCE)
    assert options(found) == {1: [("M9", D("1000.00"), D("0"))], 2: [("M10", D("1000.00"), D("0"))]}
    assert confidence(found) == D("0.80")


def test_one_invoice_is_preferred_to_a_combination(book: FakeBook) -> None:
    book.invoices.append(inv(46, "INV-2026-0046", HUAXING, "3300.00", due=25))
    # 3300 = 0046 alone = 0044 + 0045 (2500 + 800): the single invoice
    found = propose(line("3300.00", account="6222 0000 1111"), book, TOLERANCE)
    assert options(found) == {1: [("INV-2026-0046", D("3300.00"), D("0"))]}


def test_short_within_the_tolerance_by_account(book: FakeBook) -> None:
    found = propose(line("4980.00", account="6222 0000 1111"), book, TOLERANCE)
    assert options(found) == {1: [("INV-2026-0043", D("4980.00"), D("20.00"))]}
    assert confidence(found) == D("0.92")  # 0.95 less 0.03 for the charges
    assert "less 20.00 bank charges" in found[0].reason


def test_charges_fall_on_the_last_invoices_each_still_paid_a_cent() -> None:
    book = FakeBook(invoices=[inv(1, "A-101", ACME, "1000.00", 1),
                              inv(2, "A-102", ACME, "10.00", 2)])
    # 1010.00 less 15.00: the 10.00 invoice keeps 0.01 paid and 9.99 charges, 5.01 on 101
    found = propose(line("995.00", "A-101/102"), book, TOLERANCE)
    assert options(found) == {1: [("A-101", D("994.99"), D("5.01")),
                                  ("A-102", D("0.01"), D("9.99"))]}
    assert confidence(found) == D("0.97")


def test_a_combination_short_within_the_tolerance(book: FakeBook) -> None:
    found = propose(line("3290.00", account="6222 0000 1111"), book, TOLERANCE)
    # 2500 + 800 = 3300, 10.00 short: charges on the later invoice
    assert options(found) == {1: [("INV-2026-0044", D("2500.00"), D("0")),
                                  ("INV-2026-0045", D("790.00"), D("10.00"))]}
    assert confidence(found) == D("0.89")


def test_exact_name_and_fuzzy_name_confidence(book: FakeBook) -> None:
    exact = propose(line("5000.00", name="华兴贸易有限公司"), book, TOLERANCE)
    assert options(exact) == {1: [("INV-2026-0043", D("5000.00"), D("0"))]}
    assert confidence(exact) == D("0.90")
    fuzzy = propose(line("5000.00", name="HUAXING TRADNG"), book, TOLERANCE)
    assert confidence(fuzzy) == D("0.73")  # 0.9 * 92 / 100 - 0.1 = 0.728
    assert fuzzy[0].reason == ("the payer's name resembles this customer's (92% alike); the "
                               "amount equals the balance of invoice INV-2026-0043")
    combination = propose(line("10800.00", name="华兴贸易有限公司"), book, TOLERANCE)
    assert confidence(combination) == D("0.88")


def test_nothing_fits_the_amount_pay_oldest_first_or_leave_as_credit(book: FakeBook) -> None:
    found = propose(line("11000.00", account="6222 0000 1111"), book, TOLERANCE)
    assert options(found) == {
        1: [("INV-2026-0042", D("10000.00"), D("0")), ("INV-2026-0043", D("1000.00"), D("0"))],
        2: [(None, D("11000.00"), D("0"))],
    }
    assert (confidence(found, 1), confidence(found, 2)) == (D("0.50"), D("0.40"))
    assert found[0].reason == ("the payer's account is known to be this customer's; no invoice "
                               "or combination of invoices equals the amount: paying the oldest "
                               "due first, INV-2026-0042 and INV-2026-0043")
    assert explain(found[0].reason_key, found[0].reason_params, "zh-CN") == (
        "付款账号已知属于该客户；没有发票或发票组合的余额等于该金额：按到期日从早到晚核销 "
        "INV-2026-0042、INV-2026-0043")
    assert found[-1].reason == ("the payer's account is known to be this customer's; all of it "
                                "left as unapplied credit on the customer")


def test_more_than_everything_open_pays_all_and_the_rest_is_credit(book: FakeBook) -> None:
    found = propose(line("20000.00", account="6222 0000 1111"), book, TOLERANCE)
    first = options(found)[1]
    assert [amount for _, amount, _ in first] == [D("10000.00"), D("5000.00"), D("2500.00"),
                                                  D("800.00"), D("1700.00")]
    assert first[-1][0] is None
    assert "1,700.00 left as credit" in found[0].reason


def test_nothing_points_anywhere(book: FakeBook) -> None:
    nobody = line("5000.00", "货款", name="Unknown Ltd", account="999")
    assert propose(nobody, book, TOLERANCE) == []
    assert propose(line("5000.00"), FakeBook(), TOLERANCE) == []


def test_a_customer_without_open_invoices_gets_only_credit() -> None:
    book = FakeBook(accounts={"X": ACME})
    found = propose(line("100.00", account="X"), book, TOLERANCE)
    assert options(found) == {1: [(None, D("100.00"), D("0"))]}
    assert confidence(found) == D("0.40")


def test_only_the_lines_currency_is_matched_by_amount(book: FakeBook) -> None:
    # BRIGHT's 3000.00 is in USD: a CNY line of 3000.00 does not pay it
    book.accounts["B"] = BRIGHT
    found = propose(line("3000.00", account="B"), book, TOLERANCE)
    assert all(p.invoice != "INV-2026-0090" for p in found)
    assert options(found)[1] == [("INV-2026-0091", D("3000.00"), D("0"))]
    assert confidence(found) == D("0.50")


def test_confidence_orders_the_evidence(book: FakeBook) -> None:
    by_number = propose(line("5000.00", "INV-2026-0043"), book, TOLERANCE)
    by_account = propose(line("5000.00", account="6222 0000 1111"), book, TOLERANCE)
    by_name = propose(line("5000.00", name="华兴贸易有限公司"), book, TOLERANCE)
    by_fuzzy = propose(line("5000.00", name="HUAXING TRADNG"), book, TOLERANCE)
    charges = propose(line("4990.00", "INV-2026-0043"), book, TOLERANCE)
    threshold = D("0.90")
    assert confidence(by_number) > confidence(charges) > confidence(by_account) \
        > confidence(by_name) > confidence(by_fuzzy)
    # invoice numbers or a known account with the exact amount apply at once; fuzzy waits
    assert confidence(by_number) >= threshold and confidence(by_account) >= threshold
    assert confidence(by_fuzzy) < threshold


def test_every_reason_in_both_languages(book: FakeBook) -> None:
    lines = [line("15000.00", "INV-2026-0042/0043"), line("14990.00", "INV-2026-0042/0043"),
             line("100.00", "INV-2026-0042"), line("10100.00", "INV-2026-0042"),
             line("3000.00", "INV-2026-0090"), line("10800.00", account="6222 0000 1111"),
             line("11000.00", name="HUAXING TRADNG")]
    for bank_line in lines:
        for p in propose(bank_line, book, TOLERANCE):
            assert p.reason == explain(p.reason_key, p.reason_params, "en")
            chinese = explain(p.reason_key, p.reason_params, "zh-CN")
            assert chinese and chinese != p.reason and "{" not in chinese


# -- the sum invariant ---------------------------------------------------------------------

balances = st.lists(st.integers(min_value=1, max_value=5_000_00), min_size=0, max_size=12)


@settings(max_examples=200, deadline=None)
@given(balances=balances, amount=st.integers(min_value=1, max_value=30_000_00),
       tolerance=st.integers(min_value=0, max_value=50_00),
       named=st.lists(st.integers(min_value=0, max_value=11), max_size=4),
       by_account=st.booleans(), bright=st.sets(st.integers(min_value=0, max_value=11)))
def test_an_option_adds_up_to_the_line_and_never_exceeds_a_balance(
        balances: list[int], amount: int, tolerance: int, named: list[int],
        by_account: bool, bright: set[int]) -> None:
    # the invoices in ``bright`` are another customer's: named, they make two customers
    invoices = [inv(i + 1, f"H-{i + 1:04d}", BRIGHT if i in bright else ACME,
                    str(D(cents) / 100), due=1 + i % 28) for i, cents in enumerate(balances)]
    book = FakeBook(invoices=invoices, accounts={"X": ACME})
    text = " ".join(f"H-{n + 1:04d}" for n in named if n < len(balances))
    found = propose(line(str(D(amount) / 100), text, account="X" if by_account else ""),
                    book, D(tolerance) / 100)
    by_id = {i.id: i for i in invoices}
    for option in {p.option for p in found}:
        shares = [p for p in found if p.option == option]
        assert sum(p.amount for p in shares) == D(amount) / 100
        assert len({p.confidence for p in shares}) == 1
        assert len({p.customer_id for p in shares}) == 1
        assert all(by_id[p.receivable_id].customer_id == p.customer_id
                   for p in shares if p.receivable_id is not None)
        for p in shares:
            assert p.amount > 0 and p.charges >= 0
            if p.receivable_id is not None:
                assert p.amount + p.charges <= by_id[p.receivable_id].balance
        charges = sum(p.charges for p in shares)
        assert charges <= D(tolerance) / 100
        if charges:  # bank charges settle every invoice of the option
            assert all(p.amount + p.charges == by_id[p.receivable_id].balance
                       for p in shares if p.receivable_id is not None)
    confidences = [p.confidence for p in found]
    assert confidences == sorted(confidences, reverse=True)
    assert [p.option for p in found] == sorted(p.option for p in found)


# -- refinements ---------------------------------------------------------------------------

def test_some_of_the_named_invoices_exactly(book: FakeBook) -> None:
    # 0042, 0043 and 0045 named; 10800.00 is 0042 + 0045 (0043 paid some other way)
    found = propose(line("10800.00", "INV-2026-0042,0043,0045"), book, TOLERANCE)
    assert options(found)[1] == [("INV-2026-0042", D("10000.00"), D("0")),
                                 ("INV-2026-0045", D("800.00"), D("0"))]
    assert confidence(found) == D("0.85")
    assert found[0].reason == ("invoice numbers INV-2026-0042, INV-2026-0043 and INV-2026-0045 "
                               "in the text; the amount equals the balance of invoices "
                               "INV-2026-0042 and INV-2026-0045 together")
    assert explain(found[0].reason_key, found[0].reason_params, "zh-CN") == (
        "摘要中有发票号 INV-2026-0042、INV-2026-0043、INV-2026-0045；"
        "金额等于其中发票 INV-2026-0042、INV-2026-0045 的余额合计")
    # the part payment oldest first stays the second choice
    assert options(found)[2] == [("INV-2026-0042", D("10000.00"), D("0")),
                                 ("INV-2026-0043", D("800.00"), D("0"))]
    assert confidence(found, 2) == D("0.80")


def test_a_number_that_is_only_part_of_another_named_number_is_not_a_second_customer(
        book: FakeBook) -> None:
    # customer ACME numbers its invoices plainly; "2026" is also part of INV-2026-0042
    book.invoices.append(inv(7, "2026", ACME, "10000.00"))
    found = propose(line("10000.00", "INV-2026-0042"), book, TOLERANCE)
    assert options(found) == {1: [("INV-2026-0042", D("10000.00"), D("0"))]}
    assert confidence(found) == D("0.99")
    # named on its own, it is a second customer
    both = propose(line("10000.00", "INV-2026-0042, 2026"), book, TOLERANCE)
    assert {p.customer_id for p in both} == {HUAXING, ACME}
    assert confidence(both) == D("0.60")


def test_the_payers_exact_invoice_is_offered_beside_named_ones_the_amount_does_not_fit(
        book: FakeBook) -> None:
    # the text's "0091" is BRIGHT's; the amount is exactly HUAXING's 0044, and the account
    # is HUAXING's: both for a person to choose, the payer's own invoice first (a named
    # invoice of another customer than the account's is capped at 0.50)
    found = propose(line("2500.00", "INV-2026-0091", account="6222 0000 1111"), book, TOLERANCE)
    assert options(found) == {1: [("INV-2026-0044", D("2500.00"), D("0"))],
                              2: [("INV-2026-0091", D("2500.00"), D("0"))]}
    assert (confidence(found, 1), confidence(found, 2)) == (D("0.75"), D("0.50"))
    # named invoices that the amount settles, the payer unknown: no alternative needed
    exact = propose(line("7000.00", "INV-2026-0091"), book, TOLERANCE)
    assert set(options(exact)) == {1}


def test_a_number_inside_a_named_number_of_the_same_customer_is_not_named(
        book: FakeBook) -> None:
    book.invoices.append(inv(8, "2026", HUAXING, "99.00"))
    found = propose(line("10000.00", "INV-2026-0042"), book, TOLERANCE)
    assert options(found) == {1: [("INV-2026-0042", D("10000.00"), D("0"))]}
    assert confidence(found) == D("0.99")


def test_explain_refuses_a_key_it_does_not_know() -> None:
    with pytest.raises(KeyError):
        explain("psychic.exact", {}, "en")
    with pytest.raises(KeyError):
        explain("numbers.guess", {}, "zh-CN")
    assert explain("account.credit", {"credit": "1.00"}, "fr") == (
        "the payer's account is known to be this customer's; all of it left as unapplied "
        "credit on the customer")


def test_charges_are_never_more_than_a_small_share_of_the_transfer() -> None:
    """10.00 paid on a 60.00 invoice is a part payment, not 50.00 of bank charges: the
    tolerance is capped at 2% of the transfer (0.20 here)."""
    book = FakeBook(invoices=[inv(1, "A-90", ACME, "60.00", 1)])
    found = propose(line("10.00", "A-90"), book, TOLERANCE)
    assert options(found) == {1: [("A-90", D("10.00"), D("0"))]}
    assert confidence(found) == D("0.80")
    found = propose(line("59.85", "A-90"), book, TOLERANCE)  # 0.15 short: within 1.19
    assert options(found) == {1: [("A-90", D("59.85"), D("0.15"))]}


def test_another_customers_account_paying_named_invoices_waits_for_a_person(
        book: FakeBook) -> None:
    """Huaxing's known account pays Bright's invoice by number, to the cent: not applied at
    once (a group paying for a sister company, or a mistake): a person decides."""
    found = propose(line("7000.00", "INV-2026-0091", account="6222 0000 1111"), book,
                    TOLERANCE)
    assert options(found)[1] == [("INV-2026-0091", D("7000.00"), D("0"))]
    assert confidence(found) == D("0.50")
    assert found[0].reason.endswith(
        "the payer's account belongs to another customer: check whose payment it is")
    assert explain(found[0].reason_key, found[0].reason_params, "zh-CN").endswith(
        "付款账号属于另一客户，请核对付款方")
