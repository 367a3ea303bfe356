"""Content screen throughput on one core: rules only and rules plus the trained layer.

Usage: ``python -m bench content [--messages 10000] [--chunk 500]``. Messages are the evaluation
set's texts (both languages, both splits: only speed is measured here) repeated to the count.

Times are the CPU time of this process, so that other processes sharing the core do not count
(on a quiet machine wall time is about the same; the wall seconds are printed too). Every variant
runs over the same chunk of messages in turn, chunk after chunk, so that all of them see the same
machine: on a shared machine the load changes from minute to minute, and variants timed one after
another would not be comparable. The reference runs in the same rotation.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable

from rich.console import Console

from bench.common import ROOT, machine, write_section

console = Console()


def main(argv: list[str]) -> None:
    from faircollect.content.normalise import normalise, pinyin_view
    from faircollect.content.screen import screen, screen_many

    parser = argparse.ArgumentParser(prog="bench content")
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--chunk", type=int, default=500)
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

    def reference(chunk: list[str]) -> None:
        for m in chunk:
            pinyin_view(normalise(m))

    def rules_only(chunk: list[str]) -> None:
        for m in chunk:
            screen(m, use_model=False)

    def with_model(chunk: list[str]) -> None:
        for m in chunk:
            screen(m, use_model=True)

    def with_model_batch(chunk: list[str]) -> None:
        screen_many(chunk, use_model=True)

    variants: dict[str, Callable[[list[str]], None]] = {
        "reference (normalise + pinyin view)": reference,
        "rules only, one at a time": rules_only,
        "rules + model, one at a time": with_model,
        f"rules + model, batches of {args.chunk}": with_model_batch,
    }
    cpu = dict.fromkeys(variants, 0.0)
    wall = dict.fromkeys(variants, 0.0)
    load_before = os.getloadavg()[0]
    for i in range(0, len(msgs), args.chunk):
        chunk = msgs[i : i + args.chunk]
        for label, run in variants.items():
            start_cpu, start_wall = time.process_time(), time.perf_counter()
            run(chunk)
            cpu[label] += time.process_time() - start_cpu
            wall[label] += time.perf_counter() - start_wall
    load_after = os.getloadavg()[0]
    ref = cpu["reference (normalise + pinyin view)"]
    body = [
        "## Content screen throughput",
        "",
        f"Machine: {machine()}; pinned to one core; times are the process's CPU time, every variant "
        f"over the same chunk of {args.chunk} messages in turn. Load average {load_before:.1f} before "
        f"the runs, {load_after:.1f} after (2 cores: above about 1, other work shared the machine).",
        "",
        f"{len(msgs):,} messages (the evaluation set's {len(texts)} texts, repeated). Reference: "
        "normalising each message and building its pinyin view, same process.",
        "",
        "| screen | CPU seconds | messages/s | x reference | wall seconds | messages/s, wall |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label in variants:
        body.append(
            f"| {label} | {cpu[label]:.2f} | {len(msgs) / cpu[label]:,.0f} | {cpu[label] / ref:.1f} "
            f"| {wall[label]:.2f} | {len(msgs) / wall[label]:,.0f} |"
        )
    write_section("content", "\n".join(body))
    console.print("\n".join(body))
