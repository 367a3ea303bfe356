"""A feature's value or bin in words a collector and a borrower can read, in Chinese and English.

"逾期天数 31-60 天 / days past due 31-60", "checking_status = A11 / checking_status is A11",
"LIMIT_BAL 低于 50,000 / LIMIT_BAL under 50,000". Numeric bins are [a, b) as the binning cuts
them; for a whole-valued column they are shown as whole ranges (31-60, 30 or less).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import pairwise

from faircollect.risk.features import Label

Words = tuple[str, str]  # (zh, en)


def number(value: float) -> str:
    """A short, readable number: 50,000 / 3.5 / 0.125."""
    if value == 0:
        return "0"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return f"{value:.3g}"


def _whole(value: float) -> str:
    return f"{int(value):,}" if abs(value) >= 10000 else str(int(value))


def _unit(text: str) -> str:
    return f" {text}" if text else ""


def numeric_bins(label: Label, splits: Sequence[float], *, integer: bool) -> list[Words]:
    """Words for the bins (-inf, s1), [s1, s2), ..., [sm, inf), then for 'missing'."""
    zh_name, en_name = label.zh, label.en
    zu, eu = _unit(label.unit_zh), _unit(label.unit_en)
    out: list[Words] = []
    edges = [-math.inf, *splits, math.inf]
    for lo, hi in pairwise(edges):
        if not splits:
            out.append((f"{zh_name} 有值", f"{en_name} present"))
        elif integer:
            first = math.ceil(lo) if math.isfinite(lo) else None
            last = math.ceil(hi) - 1 if math.isfinite(hi) else None
            if first is None and last is not None:
                out.append((f"{zh_name} {_whole(last)}{zu}及以下", f"{en_name} {_whole(last)}{eu} or less"))
            elif last is None and first is not None:
                out.append((f"{zh_name} {_whole(first)}{zu}及以上", f"{en_name} {_whole(first)}{eu} or more"))
            elif first is not None and last is not None and first >= last:
                out.append((f"{zh_name} {_whole(first)}{zu}", f"{en_name} {_whole(first)}{eu}"))
            else:
                span = f"{_whole(first or 0)}-{_whole(last or 0)}"
                out.append((f"{zh_name} {span}{zu}", f"{en_name} {span}{eu}"))
        elif not math.isfinite(lo):
            out.append((f"{zh_name} 低于 {number(hi)}{zu}", f"{en_name} under {number(hi)}{eu}"))
        elif not math.isfinite(hi):
            out.append((f"{zh_name} {number(lo)}{zu}及以上", f"{en_name} {number(lo)}{eu} or more"))
        else:
            out.append(
                (
                    f"{zh_name} {number(lo)} 至 {number(hi)}{zu}（不含 {number(hi)}）",
                    f"{en_name} {number(lo)} to under {number(hi)}{eu}",
                )
            )
    out.append(missing(label))
    return out


def missing(label: Label) -> Words:
    return (f"{label.zh} 缺失", f"{label.en} is missing")


def categories(label: Label, values: Sequence[str]) -> list[Words]:
    """Words for each training category, then 'a value not seen in training', then 'missing'."""
    out: list[Words] = [(f"{label.zh} = {v}", f"{label.en} is {v}") for v in values]
    out.append((f"{label.zh} 为训练中未见过的取值", f"{label.en} has a value not seen in training"))
    out.append(missing(label))
    return out
