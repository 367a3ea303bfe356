"""The generic trainer on a table it has never seen: typing, figures, reasons, the file, determinism."""

from __future__ import annotations

import json
import zipfile
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faircollect.domain.errors import BadInput
from faircollect.risk import FORMAT_VERSION, Label, RiskModel, train
from faircollect.risk.metrics import auc
from tests.risk.shared import shared_file
from tests.risk.synthetic import applicants, applicants_and_truth

DAY = date(2026, 11, 20)
LABELS = {"monthly_income": Label("月收入", "monthly income", unit_zh="元", unit_en="yuan")}


@pytest.fixture(scope="module")
def table() -> pl.DataFrame:
    return applicants(1600)


def trained(factory: pytest.TempPathFactory, champion: str) -> RiskModel:
    """A model of the 1,600-row table, trained once per run and shared by the workers."""

    def build(path: Path) -> None:
        labels = LABELS if champion == "scorecard" else None
        train(applicants(1600), "defaulted", trained_on=DAY, folds=3, champion=champion, labels=labels).save(
            path
        )  # type: ignore[arg-type]

    return RiskModel.load(shared_file(factory, f"applicants-{champion}.model", build))


@pytest.fixture(scope="module")
def scorecard(tmp_path_factory: pytest.TempPathFactory) -> RiskModel:
    return trained(tmp_path_factory, "scorecard")


@pytest.fixture(scope="module")
def challenger(tmp_path_factory: pytest.TempPathFactory) -> RiskModel:
    return trained(tmp_path_factory, "challenger")


def test_columns_are_typed_and_ids_constants_left_out_with_reasons(scorecard: RiskModel) -> None:
    card = scorecard.card
    kinds = {f["name"]: f["kind"] for f in card["features"]}
    assert kinds == {
        "monthly_income": "numeric",
        "utilisation": "numeric",  # numbers written as text
        "region": "categorical",
        "channel": "categorical",
        "age": "numeric",
        "noise": "numeric",
    }
    assert set(card["data"]["excluded"]) == {"application_id", "product"}
    assert "identifier" in card["data"]["excluded"]["application_id"]
    assert card["data"]["columns"]["channel"]["missing_share"] > 0.05
    assert "东北" in card["data"]["columns"]["region"]["most_common"]  # stripped of its trailing space


def test_the_card_holds_what_the_issue_asks(scorecard: RiskModel) -> None:
    card = scorecard.card
    assert card["format_version"] == FORMAT_VERSION
    assert card["trained_on"] == "2026-11-20"
    assert card["champion"] == "scorecard"
    assert {"optbinning", "lightgbm", "scikit-learn"} <= set(card["libraries"])
    held = card["holdout"]["champion"]
    assert held["rows"] == card["data"]["holdout_rows"] == 320
    low, high = held["auc_ci95"]
    assert low <= held["auc"] <= high
    assert held["gini"] == pytest.approx(2 * held["auc"] - 1, abs=2e-4)
    for name in ("scorecard", "challenger"):
        assert len(card["cross_validation"][name]["fold_auc"]) == 3
    assert card["binning"]["region"]
    assert all("woe" in row for row in card["binning"]["region"])
    assert any(row.get("points") is not None for row in card["binning"]["monthly_income"])


def test_both_models_find_the_signal_on_held_out_rows(scorecard: RiskModel, challenger: RiskModel) -> None:
    # The synthetic default depends on income, utilisation, region, channel and age.
    fresh, truth = applicants_and_truth(4000, seed=99)
    y = fresh.get_column("defaulted").to_numpy()
    best = auc(y, truth)  # what a model knowing the true log-odds would reach
    for model in (scorecard, challenger):
        assert auc(y, model.predict(fresh)) > best - 0.06  # learnt from 1,280 development rows


def test_reasons_name_the_value_in_words_and_use_labels(scorecard: RiskModel, table: pl.DataFrame) -> None:
    _, reasons = scorecard.explain(table, top=6)
    texts = {(r.feature, r.zh, r.en) for row in reasons for r in row}
    income = [t for t in texts if t[0] == "monthly_income"]
    assert income
    assert all(t[1].startswith("月收入 ") and t[2].startswith("monthly income ") for t in income)
    assert all("元" in t[1] and "yuan" in t[2] for t in income if "缺失" not in t[1])
    assert ("channel", "channel = agent", "channel is agent") in texts


def test_missing_values_and_unseen_categories_are_scored(scorecard: RiskModel, challenger: RiskModel) -> None:
    odd = pl.DataFrame(
        {
            "monthly_income": [None, 1e12, -5.0],
            "utilisation": ["0.5", None, "7"],
            "region": ["火星", None, "华东"],
            "channel": [None, "app", "telegram"],
            "age": [None, 200, 18],
            "noise": [0.0, 0.0, None],
            "ignored_extra_column": ["x", "y", "z"],
        }
    )
    for model in (scorecard, challenger):
        scores, reasons = model.explain(odd)
        assert np.all((scores > 0) & (scores < 1))
        assert len(reasons) == 3


def test_a_missing_column_is_named(scorecard: RiskModel, table: pl.DataFrame) -> None:
    with pytest.raises(BadInput) as caught:
        scorecard.predict(table.drop("region", "age"))
    needed = {f.name for f in scorecard.features}
    assert {p.column for p in caught.value.problems} == {"region", "age"} & needed


def test_text_in_a_numeric_column_is_refused_with_its_row(scorecard: RiskModel, table: pl.DataFrame) -> None:
    bad = table.head(5).with_columns(pl.Series("utilisation", ["0.1", "0.2", "lots", "0.3", None]))
    with pytest.raises(BadInput) as caught:
        scorecard.predict(bad)
    problem = caught.value.problems[0]
    assert problem.column == "utilisation"
    assert "'lots'" in problem.reason
    assert "row 3" in problem.reason


def test_save_and_load_give_identical_scores_and_bytes(
    challenger: RiskModel, table: pl.DataFrame, tmp_path: Path
) -> None:
    first, second = tmp_path / "a.model", tmp_path / "b.model"
    challenger.save(first)
    loaded = RiskModel.load(first)
    loaded.save(second)
    assert first.read_bytes() == second.read_bytes()
    s1, r1 = challenger.explain(table)
    s2, r2 = loaded.explain(table)
    assert np.array_equal(s1, s2)
    assert r1 == r2
    assert loaded.card == challenger.card
    with zipfile.ZipFile(first) as archive:
        assert sorted(archive.namelist()) == ["card.json", "format.json", "lightgbm.txt", "model.json"]


def test_a_file_that_is_not_a_model_or_of_another_version_is_refused(
    scorecard: RiskModel, tmp_path: Path
) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(BadInput, match="not a faircollect risk model"):
        RiskModel.load(text)
    with pytest.raises(BadInput, match="no such model file"):
        RiskModel.load(tmp_path / "absent.model")
    good = tmp_path / "m.model"
    scorecard.save(good)
    future = tmp_path / "future.model"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(future, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "format.json":
                data = data.replace(f'"version": {FORMAT_VERSION}'.encode(), b'"version": 99')
            dst.writestr(name, data)
    with pytest.raises(BadInput, match="format version 99"):
        RiskModel.load(future)
    tampered = tmp_path / "tampered.model"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(tampered, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "model.json":
                tables = json.loads(data)
                tables["intercept"] += 1.0
                data = json.dumps(tables).encode()
            dst.writestr(name, data)
    with pytest.raises(BadInput, match="damaged"):
        RiskModel.load(tampered)


def test_the_same_data_and_seed_give_the_same_model(table: pl.DataFrame) -> None:
    small = table.head(400)
    a = train(small, "defaulted", trained_on=DAY, folds=2, seed=5)
    b = train(small, "defaulted", trained_on=DAY, folds=2, seed=5)
    assert a.model_id == b.model_id
    assert a.card == b.card


@pytest.mark.parametrize(
    ("change", "column", "words"),
    [
        (
            lambda t: t.with_columns(pl.col("defaulted").replace_strict({0: "good", 1: "bad"})),
            "defaulted",
            "0/1",
        ),
        (lambda t: t.with_columns(pl.lit(0).alias("defaulted")), "defaulted", "single class"),
        (lambda t: t.head(60), "defaulted", "too few rows"),
        (
            lambda t: t.with_columns(
                pl.when(pl.int_range(pl.len()) == 4)
                .then(None)
                .otherwise(pl.col("defaulted"))
                .alias("defaulted")
            ),
            "defaulted",
            "data row 5",
        ),
        (lambda t: t.drop("defaulted"), "defaulted", "no target column"),
        (lambda t: t.select("application_id", "product", "defaulted"), None, "no usable feature column"),
    ],
)
def test_bad_training_input_is_a_clear_bad_input(table: pl.DataFrame, change, column, words) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(BadInput) as caught:
        train(change(table), "defaulted", trained_on=DAY)
    problem = caught.value.problems[0]
    assert problem.column == column
    assert words in problem.reason


def test_challenger_tables_are_lightgbm_s_own_predictions_and_shap_values(
    challenger: RiskModel, table: pl.DataFrame
) -> None:
    import lightgbm as lgb

    from faircollect.risk.features import infer_features
    from faircollect.risk.train import _lgb_matrix, encode_all

    booster = lgb.Booster(model_str=challenger.lightgbm_text)
    features, _ = infer_features(table, "defaulted")
    matrix = _lgb_matrix(features, encode_all(table, features))
    raw = booster.predict(matrix, raw_score=True)
    assert np.allclose(challenger.log_odds(table), raw, atol=1e-9)
    contrib = booster.predict(matrix, pred_contrib=True)
    names = [f.name for f in features]
    _, reasons = challenger.explain(table, top=len(names))
    for i in range(0, table.height, 97):
        expected = {names[j]: contrib[i, j] for j in range(len(names)) if contrib[i, j] > 1e-9}
        got = {r.feature: r.weight for r in reasons[i]}
        assert got.keys() == expected.keys()
        assert all(abs(got[k] - expected[k]) < 1e-5 for k in got)


ROWS = st.fixed_dictionaries(
    {
        "monthly_income": st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)),
        "utilisation": st.one_of(st.none(), st.floats(-5, 5).map(lambda v: f"{v:.3f}")),
        "region": st.one_of(st.none(), st.sampled_from(["华东", "华南", "西北", "东北", "未知"])),
        "channel": st.one_of(st.none(), st.sampled_from(["app", "branch", "agent", "fax"])),
        "age": st.one_of(st.none(), st.integers(-10, 150)),
        "noise": st.one_of(st.none(), st.floats(-1e6, 1e6)),
    }
)


def _frame(rows: list[dict[str, object]]) -> pl.DataFrame:
    schema = {
        "monthly_income": pl.Float64,
        "utilisation": pl.String,
        "region": pl.String,
        "channel": pl.String,
        "age": pl.Int64,
        "noise": pl.Float64,
    }
    return pl.DataFrame(rows, schema=schema)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(ROWS, min_size=1, max_size=20))
def test_reasons_only_ever_raise_risk_and_probabilities_stay_in_0_1(
    scorecard: RiskModel, challenger: RiskModel, rows: list[dict[str, object]]
) -> None:
    frame = _frame(rows)
    for model in (scorecard, challenger):
        scores, reasons = model.explain(frame, top=3)
        assert np.all((scores >= 0) & (scores <= 1))
        assert np.array_equal(scores, model.predict(frame))
        for row in reasons:
            assert len(row) <= 3
            weights = [r.weight for r in row]
            assert all(w > 0 for w in weights)
            assert weights == sorted(weights, reverse=True)


def _value_in_slot(part: object, slot: int) -> object:
    from faircollect.risk.model import Part

    assert isinstance(part, Part)
    f = part.feature
    if f.kind == "categorical":
        k = len(f.categories)
        return f.categories[slot] if slot < k else ("never-seen" if slot == k else None)
    splits = part.edges
    if slot == splits.size + 1:
        return None
    if slot == 0:
        return float(splits[0] - 1) if splits.size else 1.0
    return float(splits[slot - 1])  # bins are [s(slot-1), s(slot))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(row=ROWS)
def test_moving_a_reason_to_its_feature_s_best_bin_lowers_the_log_odds_by_its_weight(
    scorecard: RiskModel, row: dict[str, object]
) -> None:
    frame = _frame([row])
    before = scorecard.log_odds(frame)[0]
    _, (reasons,) = scorecard.explain(frame, top=6)
    for reason in reasons:
        part = next(p for p in scorecard.parts if p.feature.name == reason.feature)
        best = int(np.flatnonzero(np.isclose(part.values, part.baseline))[0])
        moved = dict(row)
        value = _value_in_slot(part, best)
        moved[reason.feature] = f"{value}" if reason.feature == "utilisation" and value is not None else value
        if reason.feature == "age" and value is not None:
            moved["age"] = int(np.ceil(float(value)))  # type: ignore[arg-type]
        after = scorecard.log_odds(_frame([moved]))[0]
        assert before - after == pytest.approx(reason.weight, abs=1e-5)
