"""The compliance gate's speed on one core: in-process batch, single decisions, and the CLI.

Usage: ``python -m bench.policy [--decisions 200000] [--cli-lines 20000] [--quick]``
(``python -m bench policy`` once registered in ``bench/__main__.py``). ``--quick`` (or
``FAIRCOLLECT_BENCH_QUICK=1``) runs a small size and only prints; a full run also writes
the ``policy`` section of docs/benchmarks.md.

The requests are a seeded, realistic mix: the three packs (cn half of them), borrowers in
several timezones, every channel and recipient role in rough proportion to a collection
day, histories of 0 to 40 earlier actions over the last ten days, and a text on half of
the actions drawn from about 50 templates (batches repeat templates, so the content
screen's cache is part of what is measured; it is warmed first, as in a running cycle).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from rich.console import Console

from bench.common import ROOT, Timer, machine, write_section

console = Console()

ZONES = {
    "cn": ["Asia/Shanghai", "Asia/Shanghai", "Asia/Shanghai", "Asia/Urumqi"],
    "us": ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"],
    "uk": ["Europe/London"],
}
ZH = [
    "您好，您的账单已逾期，请尽快还款。",
    "尊敬的客户，您本期账单{n}元已逾期，请于今日内还款，以免影响您的信用记录。",
    "您好，您的还款计划本期应还款日为11月{d}日，请按时还款。",
    "温馨提示：您的借款已逾期{d}天，请登录App查看还款详情。",
    "您好，我们是XX金融，请转告张先生尽快与我们联系，谢谢。",
    "您好，请问您能提供张先生的联系方式吗？",
    "您的账户已逾期，如有困难可申请延期还款方案，详询客服。",
    "提醒：本月账单已出，应还金额{n}元，最后还款日{d}日。",
    "您好，您的逾期款项尚未结清，请尽快处理。",
    "如对账单有异议，请拨打客服热线400-000-0000。",
    "您好，您申请的分期方案已生效，请按计划还款。",
    "您的还款已到账，感谢您的配合。",
    "逾期将产生罚息，请您尽快安排还款。",
    "您好，我们注意到您的账户逾期，如需帮助请联系我们。",
    "本期还款失败，请确认银行卡余额充足。",
    "您好，请于{d}日前完成还款，谢谢。",
    "客户您好，您的账单逾期{d}天，请尽快还款以免影响征信。",
    "温馨提示：您可在App中申请个性化分期。",
    "您好，您的投诉我们已受理，将在15日内答复。",
    "您好，关于您的争议，我们正在核实，期间暂停催收。",
    "你这个傻逼，再不还钱就去你家闹",
    "我们会把你欠钱的事告诉你的单位和家人",
    "再不还钱就起诉你，让你坐牢",
    "您好，本期账单{n}元，请按时还款。",
    "您好，您的借款即将到期，请提前准备资金。",
]
EN = [
    "Your account is past due. Please call us. Reply STOP to opt out.",
    "This is ABC Collections. Please call us back at 555-0100. Reply STOP to opt out.",
    "Your payment of ${n} is overdue. To unsubscribe, reply UNSUBSCRIBE.",
    "Dear customer, your account is in arrears. Free debt advice is available from MoneyHelper.",
    "A reminder that your payment plan instalment is due on the {d}th. Reply STOP to opt out.",
    "Hello, we are trying to reach Jane Doe. Could you ask her to call 555-0100?",
    "Please contact us to discuss your balance. Opt-out: reply STOP.",
    "We can offer a payment plan if you are struggling. Reply STOP to opt out.",
    "Your balance is ${n}. Pay online at any time. Reply STOP to stop messages.",
    "We received your dispute and have paused collection while we verify it.",
    "Thank you for your payment.",
    "Your account is {d} days past due. Please call us.",
    "you deadbeat, pay or else. Reply STOP to opt out.",
    "We will tell your employer about your debt.",
    "You are a worthless deadbeat and we will come to your house.",
    "Please call us about your account. Reply STOP to opt out.",
    "Your direct debit failed; please check your bank details.",
    "We have not heard from you. Free advice: StepChange. Reply STOP to opt out.",
    "This communication is from a debt collector. Reply STOP to opt out.",
    "Your statement is ready. Unsubscribe any time.",
    "Hi, please get in touch about your overdue balance.",
    "Your arrangement is on track. Thank you.",
    "Please confirm your current address. Reply STOP to opt out.",
    "Your final notice: the balance of ${n} remains unpaid.",
    "We are here to help if you are in financial difficulty.",
]
CHANNELS = (
    ["call"] * 6
    + ["sms"] * 4
    + ["push"] * 2
    + ["email", "letter"]
    + ["lawyer_letter", "lawsuit", "field_visit"]
)
ROLES = ["borrower"] * 14 + ["guarantor", "contact", "contact", "third_party"]
PURPOSES = ["collect"] * 10 + ["locate", "relay", "plan_reminder", "complaint_reply", "remedy_notice"]
OUTCOMES = ["connected", "no_answer", "no_answer", "busy", "voicemail", "invalid"]
FLAGS = [
    "lost_contact",
    "phone_invalid",
    "malicious_default",
    "cease_contact",
    "vulnerable",
    "breathing_space",
]
START = datetime(2026, 11, 20, tzinfo=UTC)


def _template(rng: random.Random, pool: list[str]) -> str:
    return rng.choice(pool).replace("{n}", "523.40").replace("{d}", str(rng.choice((5, 15, 25))))


def make_requests(n: int, seed: int = 7) -> list[dict[str, Any]]:
    """``n`` requests as decoded JSON, the same for the same seed."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        pack = rng.choice(["cn", "cn", "us", "uk"])
        now = START + timedelta(seconds=rng.randrange(0, 3 * 86400))
        channel = rng.choice(CHANNELS)
        role = rng.choice(ROLES)
        rid = f"C{i}" if role in ("contact", "third_party") else ("G1" if role == "guarantor" else "B1")
        action: dict[str, Any] = {
            "channel": channel,
            "recipient": {"role": role, "id": rid, "phone": f"+86138{i % 1000:08d}"},
            "purpose": rng.choice(PURPOSES),
        }
        # Texts on about half: every sms and email, a third of the rest.
        if channel in ("sms", "email") or rng.random() < 0.3:
            action["text"] = _template(rng, ZH if pack == "cn" else EN)
        if rng.random() < 0.1:
            action["amount_stated"] = "523.40"
        if channel in ("call", "field_visit") and rng.random() < 0.5:
            action["agents"] = [
                {"id": f"A{k}", "trained_on": f"2026-0{rng.randrange(1, 10)}-01"}
                for k in range(rng.choice((1, 2)))
            ]
            action["agency"] = {"id": "AG1", "status": "active", "evaluated_on": "2026-01-10"}
        history = []
        for _ in range(rng.randrange(0, 41)):
            h_channel = rng.choice(["call", "call", "call", "sms", "push", "letter"])
            history.append(
                {
                    "channel": h_channel,
                    "recipient_role": rng.choice(["borrower"] * 8 + ["contact", "guarantor"]),
                    "recipient_id": "B1",
                    "phone": action["recipient"]["phone"] if rng.random() < 0.6 else "+8613900000000",
                    "purpose": "collect",
                    "at": (now - timedelta(seconds=rng.randrange(60, 10 * 86400))).strftime(
                        "%Y-%m-%dT%H:%M:%SZ"
                    ),
                    "outcome": rng.choice(OUTCOMES) if h_channel == "call" else "delivered",
                }
            )
        request: dict[str, Any] = {
            "pack": pack,
            "now": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "action": action,
            "borrower": {"timezone": rng.choice(ZONES[pack])},
            "account": {
                "dpd": rng.randrange(1, 200),
                "overdue_amount": "523.40",
                "outstanding_total": "1523.40",
                "lawful_max": "1523.40",
                "currency": {"cn": "CNY", "us": "USD", "uk": "GBP"}[pack],
            },
            "history": history,
        }
        if rng.random() < 0.15:
            request["borrower"]["flags"] = [rng.choice(FLAGS)]
        if rng.random() < 0.05:
            request["cases"] = {"plan": "active"}
        out.append(request)
    return out


def _in_process(requests: list[dict[str, Any]]) -> dict[str, float]:
    from faircollect.policy import evaluate, parse_request, parse_request_json, shipped_library

    library = shipped_library()
    packs = {p: library.get(p) for p in ("cn", "us", "uk")}
    # Warm: load the content screen (and its model) and cache the templates' verdicts.
    for raw in requests[:2000]:
        parsed = parse_request(raw)
        evaluate(packs[parsed.pack or "cn"], parsed, parsed.now)
    # Times are the CPU time of this process (latencies: of this thread), so that other processes
    # sharing the core do not count; on a quiet machine wall time is about the same.
    # Every variant runs over the same chunk of requests in turn, chunk after chunk, so that all
    # of them see the same machine: on a shared machine the load changes from minute to minute,
    # and variants timed one after another would not be comparable. The reference, in the same
    # rotation, is decoding each request from its JSON text (what every face pays before the gate
    # sees a request), so the gate's figures read as a ratio against it.
    texts = [json.dumps(raw, ensure_ascii=False) for raw in requests]

    def reference(i: int, j: int) -> None:
        for text in texts[i:j]:
            json.loads(text)

    def json_batch(i: int, j: int) -> None:
        for text in texts[i:j]:
            parsed = parse_request_json(text)
            evaluate(packs[parsed.pack or "cn"], parsed, parsed.now)

    def json_parse(i: int, j: int) -> None:
        for text in texts[i:j]:
            parse_request_json(text)

    def dict_batch(i: int, j: int) -> None:
        for raw in requests[i:j]:
            parsed = parse_request(raw)
            evaluate(packs[parsed.pack or "cn"], parsed, parsed.now)

    def dict_parse(i: int, j: int) -> None:
        for raw in requests[i:j]:
            parse_request(raw)

    typed = [parse_request(raw) for raw in requests]

    def evaluate_only(i: int, j: int) -> None:
        for parsed in typed[i:j]:
            evaluate(packs[parsed.pack or "cn"], parsed, parsed.now)

    variants = {
        "reference_per_s": reference,
        "json_batch_per_s": json_batch,
        "json_parse_per_s": json_parse,
        "batch_per_s": dict_batch,
        "parse_per_s": dict_parse,
        "evaluate_per_s": evaluate_only,
    }
    spent = dict.fromkeys(variants, 0.0)
    chunk = 2_000
    for i in range(0, len(requests), chunk):
        for key, run in variants.items():
            start = time.process_time()
            run(i, i + chunk)
            spent[key] += time.process_time() - start
    latencies = []
    clock = time.thread_time_ns
    for raw in requests[: min(len(requests), 50_000)]:
        start = clock()
        parsed = parse_request(raw)
        evaluate(packs[parsed.pack or "cn"], parsed, parsed.now)
        latencies.append(clock() - start)
    latencies.sort()
    n = len(requests)
    return {
        **{key: n / seconds for key, seconds in spent.items()},
        "median_ms": statistics.median(latencies) / 1e6,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] / 1e6,
        "max_ms": latencies[-1] / 1e6,
    }


def _cli(requests: list[dict[str, Any]]) -> dict[str, float]:
    command = [
        sys.executable,
        "-c",
        "from faircollect.entrypoints.policy_cli import app; app()",
        "check",
        "--jsonl",
    ]
    env = {k: v for k, v in os.environ.items() if k != "FAIRCOLLECT_POLICY_DIR"}
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in requests)
    # Start-up: one request with a text, so that the content screen's model loads too.
    first = json.dumps(next(r for r in requests if "text" in r["action"]), ensure_ascii=False) + "\n"
    with Timer() as one:
        subprocess.run(command, input=first, capture_output=True, text=True, check=True, cwd=ROOT, env=env)
    with Timer() as many:
        proc = subprocess.run(
            command, input=lines, capture_output=True, text=True, check=True, cwd=ROOT, env=env
        )
    answered = len(proc.stdout.splitlines())
    assert answered == len(requests), f"the CLI answered {answered} of {len(requests)} lines"
    return {
        "lines": len(requests),
        "startup_s": one.seconds,
        "total_s": many.seconds,
        "lines_per_s": len(requests) / many.seconds,
        "steady_lines_per_s": len(requests) / max(many.seconds - one.seconds, 1e-9),
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench policy")
    parser.add_argument("--decisions", type=int, default=200_000)
    parser.add_argument("--cli-lines", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="a small run that only prints")
    args = parser.parse_args(argv)
    quick = args.quick or os.environ.get("FAIRCOLLECT_BENCH_QUICK") == "1"
    if quick:
        args.decisions, args.cli_lines = min(args.decisions, 10_000), min(args.cli_lines, 2_000)
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    requests = make_requests(args.decisions, args.seed)
    entries = sum(len(r["history"]) for r in requests)
    texts = sum(1 for r in requests if "text" in r["action"])
    inproc = _in_process(requests)
    from faircollect.policy import evaluate, parse_request, shipped_library

    effects: dict[str, int] = {}
    for raw in requests[:20_000]:
        parsed = parse_request(raw)
        decision = evaluate(shipped_library().get(parsed.pack or "cn"), parsed, parsed.now)
        effects[decision.effect] = effects.get(decision.effect, 0) + 1
    cli = _cli(requests[: args.cli_lines])

    def ratio(key: str) -> str:
        return f"{inproc['reference_per_s'] / inproc[key]:.1f}"

    mix = ", ".join(f"{k} {v / sum(effects.values()):.0%}" for k, v in sorted(effects.items()))
    body = [
        "## Policy gate throughput",
        "",
        f"Machine: {machine()}; pinned to one core; in-process times are the process's CPU time.",
        "",
        f"{len(requests):,} requests (seed {args.seed}): packs cn/us/uk 2:1:1, histories of 0 to 40 entries "
        f"({entries / len(requests):.1f} on average), a text on {texts / len(requests):.0%} of them from "
        f"{len(ZH) + len(EN)} templates; decisions {mix}.",
        "",
        "| measure | value | time x reference |",
        "| --- | ---: | ---: |",
        f"| reference: `json.loads` of each request's text | {inproc['reference_per_s']:,.0f} requests/s | 1.0 |",
        f"| in-process batch from JSON text (`parse_request_json` + evaluate) | {inproc['json_batch_per_s']:,.0f} "
        f"decisions/s | {ratio('json_batch_per_s')} |",
        f"| in-process, JSON text to typed request only (`parse_request_json`) | {inproc['json_parse_per_s']:,.0f} "
        f"requests/s | {ratio('json_parse_per_s')} |",
        f"| in-process batch from decoded JSON (`parse_request` + evaluate) | {inproc['batch_per_s']:,.0f} "
        f"decisions/s | {ratio('batch_per_s')} |",
        f"| in-process, evaluate only (typed requests, as the cycle builds them) | "
        f"{inproc['evaluate_per_s']:,.0f} decisions/s | {ratio('evaluate_per_s')} |",
        f"| in-process, decoded JSON to typed request only (`parse_request`) | {inproc['parse_per_s']:,.0f} requests/s "
        f"| {ratio('parse_per_s')} |",
        f"| single decision (parse + evaluate), median | {inproc['median_ms']:.3f} ms | |",
        f"| single decision, p99 | {inproc['p99_ms']:.3f} ms | |",
        f"| single decision, max | {inproc['max_ms']:.3f} ms | |",
        f"| CLI `policy check --jsonl`, {cli['lines']:,} lines, wall | {cli['total_s']:.2f} s "
        f"({cli['lines_per_s']:,.0f} lines/s) | |",
        f"| CLI start-up (one line: imports, packs, content model) | {cli['startup_s']:.2f} s | |",
        f"| CLI after start-up | {cli['steady_lines_per_s']:,.0f} lines/s | |",
    ]
    if quick:
        body.insert(2, "(quick run: not written to docs/benchmarks.md)")
        console.print("\n".join(body))
        return
    write_section("policy", "\n".join(body))
    console.print("\n".join(body))


if __name__ == "__main__":
    main(sys.argv[1:])
