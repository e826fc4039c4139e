"""Company names and e-mail addresses for the demo portfolio.

Chinese company names are built the way real ones are (city + trade name + line of
business + legal form), each part with its pinyin so the e-mail domain matches the name.
Foreign buyers (the export segment) and a few foreign-invested firms get English names.
"""

from __future__ import annotations

import random
from collections.abc import Callable

CITIES = (
    ("上海", "sh"), ("北京", "bj"), ("深圳", "sz"), ("广州", "gz"), ("苏州", "suzhou"),
    ("杭州", "hz"), ("宁波", "nb"), ("南京", "nj"), ("天津", "tj"), ("武汉", "wh"),
    ("成都", "cd"), ("重庆", "cq"), ("青岛", "qd"), ("厦门", "xm"), ("东莞", "dg"),
    ("佛山", "fs"), ("无锡", "wx"), ("合肥", "hf"),
)
STEMS = (
    ("华东", "huadong"), ("恒信", "hengxin"), ("鑫达", "xinda"), ("宏远", "hongyuan"),
    ("金桥", "jinqiao"), ("永盛", "yongsheng"), ("瑞丰", "ruifeng"), ("中联", "zhonglian"),
    ("泰和", "taihe"), ("远航", "yuanhang"), ("天成", "tiancheng"), ("康达", "kangda"),
    ("博源", "boyuan"), ("新华", "xinhua"), ("安泰", "antai"), ("凯利", "kaili"),
    ("长江", "changjiang"), ("海丰", "haifeng"), ("正泰", "zhengtai"), ("明辉", "minghui"),
    ("德润", "derun"), ("嘉禾", "jiahe"), ("同创", "tongchuang"), ("汇通", "huitong"),
)
TRADES = {
    "manufacturing": (("机电", "jd"), ("精密机械", "jm"), ("电子科技", "tech"),
                      ("模具", "mould"), ("汽车零部件", "auto"), ("新材料", "material")),
    "retail": (("商贸", "trade"), ("百货", "store"), ("连锁超市", "mart"), ("家居", "home")),
    "distribution": (("物流", "logistics"), ("供应链管理", "scm"), ("贸易", "trading"),
                     ("医药分销", "pharma"), ("电气设备", "electric")),
}
LEGAL_FORMS = ("有限公司", "有限公司", "有限公司", "股份有限公司")
MAILBOXES = ("finance", "caiwu", "ar", "accounts", "cw")

EN_FIRST = ("Pacific Rim", "Northstar", "Bluewater", "Evergreen", "Harbor Point", "Silverline",
            "Meridian", "Atlas", "Crescent", "Summit", "Redwood", "Lakeside", "Orion",
            "Keystone", "Bridgeport", "Sino-Euro")
EN_TRADES = {
    "manufacturing": ("Components", "Precision Parts", "Industrial"),
    "retail": ("Retail Group", "Home Goods", "Stores"),
    "distribution": ("Distribution", "Supply Chain", "Logistics"),
    "export": ("Trading", "Imports", "Sourcing", "Wholesale", "Industrial Supply"),
}
LEGAL_BY_COUNTRY = {"CN": "Co., Ltd.", "US": "Inc.", "DE": "GmbH", "SG": "Pte. Ltd.",
                    "GB": "Ltd.", "AU": "Pty Ltd", "NL": "B.V.", "AE": "LLC", "JP": "K.K."}
TLD_BY_COUNTRY = {"CN": "com.cn", "US": "com", "DE": "de", "SG": "com.sg", "GB": "co.uk",
                  "AU": "com.au", "NL": "nl", "AE": "ae", "JP": "co.jp"}

Maker = Callable[[random.Random], tuple[str, str]]


def chinese_company(segment: str) -> Maker:
    """A maker of (name, email) for a Chinese firm of ``segment``."""

    def make(rng: random.Random) -> tuple[str, str]:
        city, city_py = rng.choice(CITIES)
        stem, stem_py = rng.choice(STEMS)
        trade, trade_py = rng.choice(TRADES[segment])
        name = f"{city}{stem}{trade}{rng.choice(LEGAL_FORMS)}"
        return name, f"{rng.choice(MAILBOXES)}@{stem_py}{trade_py}-{city_py}.com.cn"

    return make


def english_company(segment: str, country: str) -> Maker:
    """A maker of (name, email) for a foreign buyer or a foreign-invested firm in China."""

    def make(rng: random.Random) -> tuple[str, str]:
        first = rng.choice(EN_FIRST)
        trade = rng.choice(EN_TRADES[segment])
        name = f"{first} {trade} {LEGAL_BY_COUNTRY[country]}"
        domain = "".join(ch for ch in f"{first}{trade}".lower() if ch.isalnum())
        return name, f"ap@{domain}.{TLD_BY_COUNTRY[country]}"

    return make


class NameBook:
    """Hands out names no other customer has: the same name twice would confuse a collector."""

    def __init__(self) -> None:
        self._used: set[str] = set()  # membership only; never iterated (determinism)

    def unique(self, rng: random.Random, make: Maker) -> tuple[str, str]:
        for _ in range(30):
            name, email = make(rng)
            if name not in self._used:
                self._used.add(name)
                return name, email
        # A large portfolio can exhaust the combinations: make it a numbered branch office.
        branch = 2
        while _branch(name, branch) in self._used:
            branch += 1
        name = _branch(name, branch)
        self._used.add(name)
        return name, email


def _branch(name: str, number: int) -> str:
    return f"{name} (Branch {number})" if name.isascii() else f"{name}第{number}分公司"
