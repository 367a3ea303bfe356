"""Content screen throughput on one core: rules only and rules plus the trained layer.

Usage: ``python -m bench content [--messages 10000]``. Messages are the evaluation set's texts
(both languages, both splits: only speed is measured here) repeated to the count.
"""

from __future__ import annotations

import argparse
import json
import os

from rich.console import Console

from bench.common import ROOT, Timer, machine, write_section

console = Console()


def main(argv: list[str]) -> None:
    from faircollect.content.normalise import normalise, pinyin_view
    from faircollect.content.screen import screen, screen_many

    parser = argparse.ArgumentParser(prog="bench content")
    parser.add_argument("--messages", type=int, default=10_000)
    args = parser.parse_args(argv)
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    texts: list[str] = []
    for lang in ("zh", "en"):
        for line in (
            (ROOT / "evaluation" / "content" / f"{lang}.jsonl").read_text(encoding="utf-8").splitlines()
        ):
            texts.append(json.loads(line)["text"])
    msgs = (texts * (args.messages // len(texts) + 1))[: args.messages]
    screen(msgs[0])  # load the automata and the model once, outside the timings
    with Timer() as ref:
        for m in msgs:
            pinyin_view(normalise(m))
    rows = []
    for label, use_model, batch in (
        ("rules only, one at a time", False, False),
        ("rules + model, one at a time", True, False),
        ("rules + model, batch of all", True, True),
    ):
        with Timer() as t:
            if batch:
                screen_many(msgs, use_model=use_model)
            else:
                for m in msgs:
                    screen(m, use_model=use_model)
        rows.append((label, t.seconds))
    body = [
        "## Content screen throughput",
        "",
        f"Machine: {machine()}; pinned to one core.",
        "",
        f"{len(msgs):,} messages (the evaluation set's {len(texts)} texts, repeated). Reference: "
        "normalising each message and building its pinyin view, same process.",
        "",
        "| screen | seconds | messages/s | x reference |",
        "| --- | ---: | ---: | ---: |",
        f"| reference (normalise + pinyin view) | {ref.seconds:.2f} | {len(msgs) / ref.seconds:,.0f} | 1.0 |",
    ]
    for label, seconds in rows:
        body.append(f"| {label} | {seconds:.2f} | {len(msgs) / seconds:,.0f} | {seconds / ref.seconds:.1f} |")
    write_section("content", "\n".join(body))
    console.print("\n".join(body))
