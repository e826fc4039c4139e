"""The people at the demo's customers: one or two each, so the customer and receivable
pages show whom to call (with numbers that dial) and reminders go to a person.

The first contact deals with the bills (finance, accounts payable) and is the billing
contact, usually with a personal address at the customer's domain (some have none: their
reminders go to the company mailbox); a second is a buyer, or now and then a finance
director copied on the reminders. Chinese firms get Chinese names, city landlines with the
city's area code, mobiles and often a WeChat ID; foreign buyers get English names and
international numbers. Drawn from their own ``random.Random`` (seeded from the demo's),
so adding contacts changed nothing else in the portfolio.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from arflow.demo.portfolio import DemoCustomer

SURNAMES = (("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"),
            ("杨", "yang"), ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"),
            ("徐", "xu"), ("孙", "sun"), ("马", "ma"), ("朱", "zhu"), ("胡", "hu"),
            ("郭", "guo"), ("何", "he"), ("林", "lin"), ("高", "gao"), ("罗", "luo"))
GIVEN = (("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"),
         ("丽", "li"), ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"),
         ("艳", "yan"), ("杰", "jie"), ("娟", "juan"), ("涛", "tao"), ("明", "ming"),
         ("超", "chao"), ("秀英", "xiuying"), ("婷", "ting"), ("建华", "jianhua"),
         ("晓燕", "xiaoyan"), ("志强", "zhiqiang"), ("海燕", "haiyan"), ("欣怡", "xinyi"),
         ("浩然", "haoran"), ("文博", "wenbo"), ("雪梅", "xuemei"))
BILLING_ROLES = ("财务经理", "会计", "应付账款专员", "财务主管", "出纳")
OTHER_ROLES = ("采购经理", "总经理助理", "采购主管")
EN_FIRST = ("Emily", "James", "Sarah", "Michael", "Anna", "David", "Laura", "Thomas",
            "Sophie", "Daniel", "Hannah", "Mark", "Yuki", "Omar", "Priya", "Lucas")
EN_LAST = ("Carter", "Müller", "Tan", "Smith", "de Vries", "Brown", "Schmidt", "Lim",
           "Walker", "Jansen", "Sato", "Haddad", "Wilson", "Evans", "Kumar", "Becker")
EN_BILLING_ROLES = ("Accounts Payable", "Finance Manager", "AP Specialist", "Controller")
EN_OTHER_ROLES = ("Purchasing Manager", "Procurement Lead", "Buyer")
AREA_CODES = {"上海": "021", "北京": "010", "深圳": "0755", "广州": "020", "苏州": "0512",
              "杭州": "0571", "宁波": "0574", "南京": "025", "天津": "022", "武汉": "027",
              "成都": "028", "重庆": "023", "青岛": "0532", "厦门": "0592", "东莞": "0769",
              "佛山": "0757", "无锡": "0510", "合肥": "0551"}
MOBILE_PREFIXES = ("133", "135", "136", "137", "138", "139", "150", "151", "152", "158",
                   "159", "176", "177", "180", "186", "188", "189")
COUNTRY_CODES = {"US": "1", "DE": "49", "SG": "65", "GB": "44", "AU": "61", "NL": "31",
                 "AE": "971", "JP": "81", "CN": "86"}


@dataclass(frozen=True)
class DemoContact:
    customer_code: str
    name: str
    role: str
    phone: str
    mobile: str
    email: str
    wechat: str
    language: str
    billing: bool


def make_contacts(seed: int, customers: list[DemoCustomer]) -> list[DemoContact]:
    """One or two contacts per customer, the billing one first."""
    rng = random.Random(f"arflow-demo-contacts-{seed}")
    found: list[DemoContact] = []
    for customer in customers:
        chinese = customer.language == "zh-CN"
        person = _chinese if chinese else _english
        first = person(rng, customer, billing=True, taken="")
        found.append(first)
        if rng.random() < 0.45:
            found.append(person(rng, customer, billing=rng.random() < 0.25, taken=first.name))
    return found


def _domain(customer: DemoCustomer) -> str:
    return customer.email.split("@", 1)[1]


def _landline(rng: random.Random, customer: DemoCustomer) -> str:
    area = next((code for city, code in AREA_CODES.items() if customer.name.startswith(city)),
                "021")  # a foreign-invested firm: Shanghai
    digits = f"{rng.randint(5, 8)}{rng.randint(0, 9_999_999):07d}"
    number = f"{area}-{digits[:4]} {digits[4:]}"
    return number + (f" 转 {rng.randint(800, 899)}" if rng.random() < 0.3 else "")


def _mobile(rng: random.Random) -> str:
    return f"{rng.choice(MOBILE_PREFIXES)} {rng.randint(0, 9999):04d} {rng.randint(0, 9999):04d}"


def _role(rng: random.Random, billing: bool, taken: str, finance: tuple[str, ...],
          other: tuple[str, ...], director: str) -> str:
    """The first contact deals with the bills; a second billing one is the finance
    director copied on the reminders; any other second contact buys."""
    if not taken:
        return rng.choice(finance)
    return director if billing else rng.choice(other)


def _chinese(rng: random.Random, customer: DemoCustomer, *, billing: bool, taken: str
             ) -> DemoContact:
    while True:
        (surname, surname_py), (given, given_py) = rng.choice(SURNAMES), rng.choice(GIVEN)
        if surname + given != taken:
            break
    role = _role(rng, billing, taken, BILLING_ROLES, OTHER_ROLES, "财务总监")
    email = f"{surname_py}{given_py}@{_domain(customer)}" if rng.random() < 0.85 else ""
    wechat = (f"{surname_py}{given_py}{rng.randint(70, 99)}" if rng.random() < 0.6 else "")
    return DemoContact(customer.code, surname + given, role, _landline(rng, customer),
                       _mobile(rng) if rng.random() < 0.8 else "", email, wechat, "", billing)


def _english(rng: random.Random, customer: DemoCustomer, *, billing: bool, taken: str
             ) -> DemoContact:
    while True:
        name = f"{rng.choice(EN_FIRST)} {rng.choice(EN_LAST)}"
        if name != taken:
            break
    role = _role(rng, billing, taken, EN_BILLING_ROLES, EN_OTHER_ROLES, "CFO")
    local = name.lower().replace("ü", "ue").replace(" ", ".")
    email = f"{local}@{_domain(customer)}" if rng.random() < 0.85 else ""
    country = COUNTRY_CODES.get(customer.country, "86")
    phone = (f"+{country} {rng.randint(20, 99)} {rng.randint(1000, 9999)} "
             f"{rng.randint(1000, 9999)}")
    if customer.country == "CN":  # a foreign-invested firm in China: a Shanghai office
        phone = _landline(rng, customer)
    mobile = _mobile(rng) if customer.country == "CN" and rng.random() < 0.7 else ""
    return DemoContact(customer.code, name, role, phone, mobile, email, "", "", billing)

