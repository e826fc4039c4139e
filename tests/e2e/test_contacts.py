"""Contacts in a real browser (Chromium): the customer page shows whom to call with phones
as tel: links; a collector adds a contact on a 390 px phone, a bad number comes back
inline with what was typed kept, and the corrected one is saved and dialable from the
receivable page too (screenshots: tests/artifacts/contacts-390.png, contacts-error.png)."""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlmodel import Session

from ledger.models import Contact
from tests.e2e.conftest import screenshot, sign_in
from tests.web.portfolio import DAY
from workflows import contacts

ZHANG = {"name": "张伟", "role": "财务经理", "phone": "021-5555 1234 转 8",
         "mobile": "138 0013 8000", "email": "zhangwei@huadong.example.cn",
         "wechat": "zhangwei88", "billing": True}
FITS = "(() => { const box = document.querySelector('#contacts').getBoundingClientRect();" \
       " return box.right <= window.innerWidth && box.left >= 0; })()"


def test_the_customer_page_offers_tel_links_and_adds_a_contact_on_a_phone(
        tab, db: Engine) -> None:  # type: ignore[no-untyped-def]
    with Session(db) as s:
        contacts.add_contact(s, "C001", ZHANG, on_date=DAY, actor="test")
        s.commit()
    page = tab
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, "li.na")
    page.goto("/customers/C001")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # the whole page
    card = page.locator("#contacts li.contact").first
    assert "张伟" in card.inner_text() and "Billing" in card.inner_text()
    phone = card.locator("a.tel").first
    assert phone.get_attribute("href") == "tel:02155551234,8"
    assert card.locator("a.tel").nth(1).get_attribute("href") == "tel:13800138000"
    assert card.locator("a[href^='mailto:']").inner_text() == "zhangwei@huadong.example.cn"
    assert page.evaluate(FITS)
    assert phone.bounding_box()["x"] + phone.bounding_box()["width"] <= 390  # type: ignore[index]

    page.click("#contacts details.contact-add summary")
    form = page.locator("#form-contact-add")
    form.locator("input[name=name]").fill("王芳")
    form.locator("input[name=role]").fill("会计")
    form.locator("input[name=mobile]").fill("请打 139 总机")
    with page.expect_response("**/customers/C001/contacts") as answer:
        form.locator("button[type=submit]").click()
    assert answer.value.status == 422
    page.wait_for_load_state()
    error = page.locator("#form-contact-add-mobile-error")
    assert error.is_visible() and "Not a phone number" in error.inner_text()
    form = page.locator("#form-contact-add")
    assert form.locator("input[name=name]").input_value() == "王芳"
    assert form.locator("input[name=mobile]").input_value() == "请打 139 总机"
    assert form.locator("input[name=mobile]").get_attribute("aria-invalid") == "true"
    assert page.evaluate(FITS)
    screenshot(page, "contacts-error")

    form.locator("input[name=mobile]").fill("139 1234 5678")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/customers/C001?done=*")
    cards = page.locator("#contacts li.contact")
    assert cards.count() == 2
    assert cards.nth(1).locator("a.tel").get_attribute("href") == "tel:13912345678"
    assert page.evaluate(FITS)
    page.locator("#contacts").scroll_into_view_if_needed()
    screenshot(page, "contacts-390")
    with Session(db) as s:
        added = s.execute(select(Contact).where(Contact.name == "王芳")).scalar_one()
    assert (added.role, added.mobile, added.billing) == ("会计", "139 1234 5678", False)

    page.goto("/receivables/R-1")
    assert page.locator("#contacts a.tel").first.get_attribute("href") == "tel:02155551234,8"
    assert page.locator("#contacts form").count() == 0
