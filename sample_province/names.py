"""Plausible Chinese names of businesses and people, and mobile numbers, built column-wise."""

from __future__ import annotations

import numpy as np

# Common surnames in Shanxi, roughly by frequency (王, 李, 张 lead; 郭, 武, 梁 are locally common).
SURNAMES = np.array(list("王李张刘杨赵郭陈武梁高贾韩田任孙马吴胡段乔薛范董冯程白牛宋史秦阎侯"))
SURNAME_WEIGHTS = np.linspace(3.0, 0.5, len(SURNAMES))
GIVEN_CHARS = np.array(list("建国志强伟军红丽静敏海燕斌鹏晓明俊杰慧玲文华永刚秀英国庆宏亮瑞芳春生立新晋"))

TRADE_WORDS = np.array([
    "晋源", "鑫达", "汇通", "恒泰", "盛世", "华美", "龙城", "汾河", "三晋", "太行", "吕梁山", "金诚",
    "润丰", "宏远", "嘉禾", "瑞祥", "德润", "聚源", "泰和", "昌盛", "兴业", "永盛", "博远", "天成",
    "亿丰", "晋阳", "中鼎", "锦程", "富民", "安泰", "晋韵", "兴晋", "长青", "丰茂", "佳和", "通达",
])
SHOP_WORDS = np.array(["老", "小", "好运", "福满", "兴旺", "顺心", "惠民", "家和", "四季", "乡味"])


CHUNK = 500_000  # rows per piece of text built with numpy (4 bytes a character)


def chunks(n: int, size: int = CHUNK) -> list[tuple[int, int]]:
    """(lo, hi) row ranges covering 0..n: pieces to build text in, so a large province never holds a
    whole column of numpy strings (at least one piece, so that an empty column keeps its type)."""
    return [(lo, min(lo + size, n)) for lo in range(0, max(n, 1), size)]


def pick(rng: np.random.Generator, vocab: np.ndarray, n: int, weights: np.ndarray | None = None) -> np.ndarray:
    p = None if weights is None else weights / weights.sum()
    return vocab[rng.choice(len(vocab), size=n, p=p)]


def cat(*parts: np.ndarray | str) -> np.ndarray:
    """Element-wise string concatenation of arrays and literals."""
    out = np.asarray(parts[0], dtype=str)
    for part in parts[1:]:
        out = np.char.add(out, np.asarray(part, dtype=str))
    return out


def person_names(rng: np.random.Generator, n: int) -> np.ndarray:
    surname = pick(rng, SURNAMES, n, SURNAME_WEIGHTS)
    first = pick(rng, GIVEN_CHARS, n)
    second = np.where(rng.random(n) < 0.7, pick(rng, GIVEN_CHARS, n), "")
    return cat(surname, first, second)


def mobile_phones(rng: np.random.Generator, n: int) -> np.ndarray:
    prefix = pick(rng, np.array(["13", "15", "18"]), n, np.array([0.45, 0.3, 0.25]))
    rest = rng.integers(0, 10**9, size=n)
    return cat(prefix, np.char.zfill(rest.astype("<U9"), 9))  # rest < 10**9: nine digits at most


def enterprise_names(rng: np.random.Generator, place: np.ndarray, business: np.ndarray) -> np.ndarray:
    """<city>+<trade word>+<business>+有限公司, e.g. 太原鑫达商贸有限公司."""
    n = len(place)
    return cat(place, pick(rng, TRADE_WORDS, n), business, "有限公司")


def individual_names(rng: np.random.Generator, county: np.ndarray, surname_of: np.ndarray,
                     shop: np.ndarray) -> np.ndarray:
    """个体工商户: <county>+<surname or shop word>+<shop>, e.g. 小店区老王面馆."""
    n = len(county)
    lead = np.where(rng.random(n) < 0.5, cat("老", surname_of), pick(rng, SHOP_WORDS, n))
    return cat(county, lead, shop)


def cooperative_names(rng: np.random.Generator, county: np.ndarray, business: np.ndarray) -> np.ndarray:
    """农民专业合作社: <county>+<trade word>+<business>专业合作社."""
    return cat(county, pick(rng, TRADE_WORDS, len(county)), business, "专业合作社")
