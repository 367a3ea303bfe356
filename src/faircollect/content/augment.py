"""Reported-speech look-alikes for training: harmful lines quoted inside a frame that reports them.

A QA note, an audit finding, a complaint reply, an apology, a training slide or an anti-fraud
notice quotes the very words the screen must stop, and is itself clean (content.md's look-alikes;
evaluation/content's labelling rules). The written sets hold a few hundred such lines; on the
spent ``test2`` set about half of the false alarms left after the second look were of this kind.
``reported_lookalikes`` makes more of them for the collection model: each short harmful training
line, quoted in one frame drawn (seeded) from ``FRAMES`` for its language, becomes a clean line.

Only training uses them, and only to fit: they are never scored out of fold, never counted when
thresholds or the second look's veto are set, and a fold only fits on frames whose quoted line is
in its own fitting rows (``source`` says which), so no harmful line leaks across folds.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

__all__ = ["FRAMES", "MAX_QUOTE", "Reported", "reported_lookalikes"]

# Longer lines make unnatural quotes (and transcripts with several turns are not quoted).
MAX_QUOTE: Final = 60

FRAMES: Final[dict[str, tuple[str, ...]]] = {
    "zh": (
        "质检记录：坐席对客户说“{q}”，属违规话术，已扣分并复训。",
        "内部通报：外包催收员向借款人发送“{q}”，已终止合作。",
        "投诉回复：您反映有人对您说“{q}”，我们已核实，向您郑重道歉。",
        "培训材料 错误示范：“{q}”——这类话绝对不能说。",
        "审计意见：模板中“{q}”一句不合规，建议删除。",
        "客户来电称收到短信“{q}”，经核实非我司发送，已提醒客户谨防诈骗。",
        "您收到的那条“{q}”不是我们发的，请放心，如有疑问请拨打官方客服。",
        "工单备注：借款人投诉催收员说“{q}”，已调取录音核查。",
        "网上流传的“{q}”这类说法是谣言，请勿轻信。",
        "合规提醒：禁止对客户或其联系人说“{q}”之类的话。",
        "我们为此前工作人员说的“{q}”向您道歉，这违反了公司规定。",
        "稽核发现：有坐席在通话中称“{q}”，已按制度严肃处理。",
        "用户原话：“他们说{q}”，已录音存证并转合规部门。",
        "案例分析：某催收公司员工发送“{q}”，被监管认定为不当催收。",
    ),
    "en": (
        'QA note: agent told the customer "{q}" Marked as a breach; coaching booked.',
        'Internal: a contractor sent "{q}" to a borrower. Contract suspended.',
        'Complaint response: you told us a caller said "{q}" We are sorry; that is not acceptable '
        "and we have investigated.",
        'Training slide: never say anything like "{q}"',
        'Audit finding: the template line "{q}" is non-compliant and has been removed.',
        'If you received a message saying "{q}", it did not come from us. Please call our official number.',
        'Ticket note: borrower reports the collector said "{q}" Call recording pulled for review.',
        'We apologise: our former agent wrote "{q}" That broke our policy and it will not happen again.',
        'Claims like "{q}" are false. Please do not be frightened by them.',
        'Compliance reminder: staff must never tell a customer or a third party "{q}"',
        'Case study: a debt collector texted "{q}" The regulator found it abusive.',
        'Customer quote: "they said {q}" Logged and escalated to compliance.',
    ),
}

_QUOTES: Final = "\"'“”‘’「」『』 "


@dataclass(frozen=True, slots=True)
class Reported:
    """One made clean line: its text, language and the index of the harmful line it quotes."""

    text: str
    lang: str
    source: int


def reported_lookalikes(
    texts: Sequence[str], langs: Sequence[str], harmful: Sequence[bool], *, seed: int = 0
) -> list[Reported]:
    """One reported-speech look-alike per short, one-line harmful text, its frame drawn with ``seed``."""
    if not len(texts) == len(langs) == len(harmful):
        raise ValueError("texts, langs and harmful must have one entry per line")
    rng = random.Random(seed)
    out: list[Reported] = []
    for index, (text, lang, bad) in enumerate(zip(texts, langs, harmful, strict=True)):
        if lang not in FRAMES:
            raise ValueError(f"line {index}: no frames for language {lang!r}")
        quote = text.strip().strip(_QUOTES)
        if not bad or not quote or len(quote) > MAX_QUOTE or "\n" in quote:
            continue
        frame = rng.choice(FRAMES[lang])
        out.append(Reported(frame.format(q=quote), lang, index))
    return out
