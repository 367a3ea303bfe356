"""An unseen table for the generic trainer: text categories, missing values, outliers, an id, a constant."""

from __future__ import annotations

import numpy as np
import polars as pl


def applicants(n: int, seed: int = 3) -> pl.DataFrame:
    """``n`` loan applicants whose ``defaulted`` (0/1) depends on income, utilisation, region and channel."""
    return applicants_and_truth(n, seed)[0]


def applicants_and_truth(n: int, seed: int = 3) -> tuple[pl.DataFrame, np.ndarray]:
    """The applicants and the true log-odds each was drawn with (the best any model could know)."""
    rng = np.random.default_rng(seed)
    income = rng.lognormal(8.5, 0.6, n)
    income[rng.random(n) < 0.01] *= 200  # a few absurd incomes: outliers the binning must survive
    utilisation = rng.beta(2, 3, n)
    region = rng.choice(["华东", "华南", "西北", "东北 "], n, p=[0.4, 0.3, 0.2, 0.1])  # a trailing space too
    channel = rng.choice(["app", "branch", "agent"], n, p=[0.5, 0.3, 0.2])
    age = rng.integers(18, 70, n)
    noise = rng.normal(size=n)
    logit = (
        -1.2
        - 0.9 * (np.log(np.minimum(income, 1e5)) - 8.5)
        + 2.5 * (utilisation - 0.4)
        + np.select([region == "西北", region == "东北 "], [0.8, 0.5], 0.0)
        + np.where(channel == "agent", 0.7, 0.0)
        - 0.015 * (age - 40)
    )
    defaulted = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.int64)
    income_col = pl.Series("monthly_income", income).round(2)
    util_text = [f"{u:.3f}" for u in utilisation]  # numbers written as text
    frame = pl.DataFrame(
        {
            "application_id": [f"A{i:06d}" for i in range(n)],
            "monthly_income": income_col,
            "utilisation": util_text,
            "region": region,
            "channel": channel,
            "age": age,
            "noise": noise,
            "product": ["cash"] * n,
            "defaulted": defaulted,
        }
    )
    missing = rng.random((n, 3)) < np.array([0.08, 0.05, 0.1])
    frame = frame.with_columns(
        pl.when(pl.Series(missing[:, 0]))
        .then(None)
        .otherwise(pl.col("monthly_income"))
        .alias("monthly_income"),
        pl.when(pl.Series(missing[:, 1])).then(None).otherwise(pl.col("utilisation")).alias("utilisation"),
        pl.when(pl.Series(missing[:, 2])).then(None).otherwise(pl.col("channel")).alias("channel"),
    )
    return frame, logit
