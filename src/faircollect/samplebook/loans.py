"""Loan terms drawn per borrower: product, size, term, price, disbursal date, hidden behaviour.

A latent risk per borrower drives the choice of product (riskier people lean to
cash loans and 医美), the price (risk-based APR) and the hidden payment
behaviour of each loan; region, age and sex play no part in it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from faircollect.samplebook.catalogue import (
    BEHAVIOUR_LOG_WEIGHT,
    BEHAVIOUR_RISK_SLOPE,
    MAX_APR,
    PRODUCTS,
)
from faircollect.samplebook.sampling import BoolArray, FloatArray, IntArray, choice_per_row

#: Spread of a loan's risk around its borrower's.
_LOAN_RISK_NOISE = 0.45
#: Spread of the APR around the product's risk-based price, in basis points.
_APR_NOISE_BP = 80.0


@dataclass(frozen=True, slots=True)
class LoanTerms:
    """One entry per loan, borrowers referred to by their position in the chunk."""

    borrower: IntArray
    product: IntArray
    term: IntArray
    principal: IntArray  # fen
    apr_bp: IntArray  # APR in basis points: 2399 is 0.2399
    disbursed: IntArray  # days since 1970-01-01
    equal_principal: BoolArray
    monthly_fee: IntArray  # fen
    has_penalty: BoolArray
    risk: FloatArray
    behaviour: IntArray


def _from_product(product: IntArray, values: list[float]) -> FloatArray:
    return np.asarray(values, dtype=np.float64)[product]


def draw(
    rng: np.random.Generator,
    *,
    borrower_risk: FloatArray,
    loans_per_borrower: IntArray,
    first_day: int,
    last_day: int,
) -> LoanTerms:
    """Terms of every loan of the given borrowers; a borrower's loans are consecutive, oldest first."""
    borrower = np.repeat(np.arange(len(borrower_risk), dtype=np.int64), loans_per_borrower)
    count = len(borrower)
    person_risk = borrower_risk[borrower]

    log_weight = np.log([p.weight for p in PRODUCTS])[None, :] + np.outer(
        person_risk, [p.risk_affinity for p in PRODUCTS]
    )
    product = choice_per_row(rng, log_weight)
    risk = (
        person_risk
        + _from_product(product, [p.risk_shift for p in PRODUCTS])
        + rng.normal(0.0, _LOAN_RISK_NOISE, size=count)
    )

    term = np.zeros(count, dtype=np.int64)
    for index, p in enumerate(PRODUCTS):
        mine = product == index
        weights = np.asarray(p.term_weights) / sum(p.term_weights)
        term[mine] = rng.choice(np.asarray(p.terms, dtype=np.int64), size=int(mine.sum()), p=weights)

    median = _from_product(product, [p.principal_median for p in PRODUCTS])
    sigma = _from_product(product, [p.principal_sigma for p in PRODUCTS])
    low = _from_product(product, [float(p.principal_min) for p in PRODUCTS])
    high = _from_product(product, [float(p.principal_max) for p in PRODUCTS])
    yuan = np.clip(median * np.exp(sigma * rng.standard_normal(count)), low, high)
    hundreds = np.rint(yuan / 100.0).astype(np.int64) * 100
    shelf = _from_product(product, [float(p.shelf_price) for p in PRODUCTS]) > 0
    principal = (hundreds - shelf.astype(np.int64)) * 100

    apr = (
        _from_product(product, [p.apr_base for p in PRODUCTS]) * 10_000.0
        + _from_product(product, [p.apr_per_risk for p in PRODUCTS]) * 10_000.0 * risk
        + rng.normal(0.0, _APR_NOISE_BP, size=count)
    )
    # Prices end in 49 or 99 basis points (0.2349, 0.2399), within the product's floor and the cap.
    snapped = np.rint(apr / 50.0).astype(np.int64) * 50 - 1
    floor = np.rint(_from_product(product, [p.apr_min for p in PRODUCTS]) * 10_000.0).astype(np.int64)
    apr_bp = np.clip(snapped, floor, round(MAX_APR * 10_000) - 1)

    # A growing book: more loans in recent months. A borrower's second loan is the later one.
    span = last_day - first_day + 1
    day = first_day + np.minimum((rng.power(1.5, size=count) * span).astype(np.int64), span - 1)
    second = np.zeros(count, dtype=np.bool_)
    second[1:] = borrower[1:] == borrower[:-1]
    later = np.flatnonzero(second)
    earlier_day = np.minimum(day[later - 1], day[later])
    later_day = np.maximum(day[later - 1], day[later])
    day[later - 1] = earlier_day
    day[later] = later_day

    equal_principal = rng.random(count) < _from_product(product, [p.equal_principal_share for p in PRODUCTS])
    with_fee = rng.random(count) < _from_product(product, [p.service_fee_share for p in PRODUCTS])
    fee_rate = _from_product(product, [p.service_fee_rate for p in PRODUCTS])
    monthly_fee = np.where(with_fee, np.rint(principal * fee_rate), 0).astype(np.int64)
    has_penalty = rng.random(count) < _from_product(product, [p.penalty_share for p in PRODUCTS])

    behaviour_logits = np.asarray(BEHAVIOUR_LOG_WEIGHT)[None, :] + np.outer(risk, BEHAVIOUR_RISK_SLOPE)
    behaviour = choice_per_row(rng, behaviour_logits)
    return LoanTerms(
        borrower=borrower,
        product=product,
        term=term,
        principal=principal,
        apr_bp=apr_bp,
        disbursed=day,
        equal_principal=equal_principal,
        monthly_fee=monthly_fee,
        has_penalty=has_penalty,
        risk=risk,
        behaviour=behaviour,
    )
