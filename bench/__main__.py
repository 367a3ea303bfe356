"""``python -m bench [book|kernel|regrade|content|policy|risk|scoring|all] [options]``: run benchmarks, update docs/benchmarks.md."""

from __future__ import annotations

import sys


def main() -> None:
    name = sys.argv[1] if len(sys.argv) > 1 else "all"
    rest = sys.argv[2:]
    names = ["kernel", "regrade", "content", "policy", "risk", "book"] if name == "all" else [name]
    for n in names:
        if n == "book":
            from bench import book

            book.main(rest)
        elif n == "kernel":
            from bench import kernel

            kernel.main(rest)
        elif n == "regrade":
            from bench import regrade

            regrade.main(rest)
        elif n == "content":
            from bench import content

            content.main(rest)
        elif n == "policy":
            from bench import policy

            policy.main(rest)
        elif n == "risk":
            from bench import risk

            risk.main(rest)
        elif n == "scoring":
            from bench import scoring

            scoring.main(rest)
        else:
            raise SystemExit(
                f"unknown benchmark {n!r}: book, kernel, regrade, content, policy, risk, scoring or all"
            )


if __name__ == "__main__":
    main()
