"""One phase of the scoring benchmark in a process of its own: train small models, or run-day timed."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from bench.common import Timer

TIMES: dict[str, float] = {"score_s": 0.0, "features_s": 0.0, "explain_s": 0.0, "store_s": 0.0}


def timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            TIMES[name] += time.perf_counter() - start

    return wrapper


def main() -> None:
    phase, url, models, as_of = sys.argv[1], sys.argv[2], Path(sys.argv[3]), date.fromisoformat(sys.argv[4])
    from faircollect.adapters.clock import SystemClock
    from faircollect.adapters.db import uow as sql_uow
    from faircollect.adapters.model_files import ModelDirectory
    from faircollect.bootstrap import bootstrap
    from faircollect.config import Settings
    from faircollect.risk import behaviour, book_models
    from faircollect.services import book_models as training
    from faircollect.services import daily_cycle

    platform = bootstrap(Settings(database_url=url), clock=SystemClock())
    files = ModelDirectory(models)
    result: dict[str, Any] = {}
    if phase == "train":
        with Timer() as t:
            trained = training.train_book_models(
                uow=platform.uow(),
                files=files,
                as_of=as_of,
                now=platform.clock.now(),
                dates=6,
                every=30,
                backtest=False,
                folds=2,
                sample_loans=20_000,
            )
        result = {"seconds": t.seconds, "models": [m.version for m in trained]}
    else:
        daily_cycle.score_day = timed("score_s", daily_cycle.score_day)  # type: ignore[assignment]
        behaviour.features = timed("features_s", behaviour.features)  # type: ignore[assignment]
        book_models.score_accounts = timed("explain_s", book_models.score_accounts)  # type: ignore[assignment]
        store = sql_uow.SqlRiskStore
        store.write_scores = timed("store_s", store.write_scores)  # type: ignore[method-assign]
        with Timer() as t:
            report = daily_cycle.run_day(
                uow=platform.uow(),
                as_of=as_of,
                clock=platform.clock,
                edges=platform.settings.bucket_edges,
                models=files,
            )
        scored = report.scoring.scored if report.scoring else 0
        result = {"seconds": t.seconds, "loans": report.loans, "scored": scored, **TIMES}
    platform.close()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
