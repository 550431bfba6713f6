"""The main job, ``python -m skbp``."""

import math
import subprocess
import sys

import pytest
import sklearn

from skbp.__main__ import (
    build_models,
    build_regressors,
    main,
    parse_args,
    progress_bar_available,
    progress_mode,
)

needs_progress_bar = pytest.mark.skipif(
    not progress_bar_available(),
    reason="scikit-learn's ProgressBar requires scikit-learn >= 1.9 "
    f"(found {sklearn.__version__}) and rich",
)


def run(*args):
    return subprocess.run(
        [sys.executable, "-m", "skbp", *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


CLASSIFIER_ROWS = ("BackpropClassifier", "MLPClassifier")
REGRESSOR_ROWS = tuple(
    f"{data}/{model}"
    for data in ("friedman1", "diabetes")
    for model in ("BackpropRegressor", "MLPRegressor")
)


def table_rows(out):
    """{first word: the line's words} of every non-blank output line."""
    return {line.split()[0]: line.split() for line in out.splitlines() if line.strip()}


def check_regression_rows(lines):
    for name in REGRESSOR_ROWS:
        r2, seconds = float(lines[name][1]), float(lines[name][2])
        assert math.isfinite(r2) and r2 <= 1 and seconds >= 0, lines[name]
        assert lines[name][3] == "5"  # epochs


def test_main_job_compares_with_mlpclassifier_and_mlpregressor():
    result = run("--epochs", "5", "--hidden", "20", "--progress", "lines")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.count("Iteration 1, loss = ") == 1  # the classifier's progress only
    lines = table_rows(out)
    for name in CLASSIFIER_ROWS:
        accuracy, seconds = float(lines[name][1]), float(lines[name][2])
        assert 0 <= accuracy <= 1 and seconds > 0
    check_regression_rows(lines)
    # 5 epochs converge nowhere: each row is explained under its table
    for name in CLASSIFIER_ROWS + REGRESSOR_ROWS:
        assert lines[name][4:] == ["no", "(see", "below)"]
        assert f"Not converged, {name}: " in out
    assert out.index("MLPClassifier") < out.index("friedman1/BackpropRegressor")
    assert "friedman1: 750 training and 250 test samples" in out
    assert "diabetes: 331 training and 111 test samples" in out


def test_task_regression_runs_only_the_regression_table():
    result = run(
        "--task", "regression", "--epochs", "5", "--hidden", "20", "--progress", "lines"
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    lines = table_rows(out)
    check_regression_rows(lines)
    assert "digits" not in out and "Classifier" not in out
    # alone, BackpropRegressor shows its progress, once per data set
    assert "== friedman1/BackpropRegressor, per epoch ==" in out
    assert out.count("Iteration 1, loss = ") == 2
    assert out.strip().splitlines()[-1].startswith("BackpropRegressor: ")


def test_task_classification_runs_only_the_classification_table(capsys):
    assert main(["--task", "classification", "--epochs", "2", "--hidden", "5"]) == 0
    out = capsys.readouterr().out
    lines = table_rows(out)
    assert set(CLASSIFIER_ROWS) <= set(lines)
    assert "Regressor" not in out and "friedman1" not in out


def test_main_job_help_lists_its_options():
    result = run("--help")
    assert result.returncode == 0
    for option in (
        "--hidden",
        "--solver",
        "--loss",
        "--activation",
        "--alpha",
        "--learning-rate",
        "--tol",
        "--epochs",
        "--seed",
        "--quiet",
        "--task",
        "--regression-loss",
    ):
        assert option in result.stdout


def test_main_job_docstring_lists_its_options():
    import skbp.__main__

    for option in (
        "--activation",
        "--alpha",
        "--learning-rate",
        "--tol",
        "--task",
        "--regression-loss",
    ):
        assert option in skbp.__main__.__doc__


def test_main_job_rejects_bad_options():
    result = run("--solver", "newton")
    assert result.returncode != 0 and "invalid choice" in result.stderr


BAD_VALUES = [
    ["--hidden", "0"],
    ["--hidden", "-3"],
    ["--hidden", "20", "0"],
    ["--hidden"],
    ["--hidden", "ten"],
    ["--epochs", "0"],
    ["--epochs", "2.5"],
    ["--seed", "-1"],
    ["--seed", str(2**32)],
    ["--alpha", "-1"],
    ["--alpha", "nan"],
    ["--alpha", "inf"],
    ["--learning-rate", "0"],
    ["--learning-rate", "-0.1"],
    ["--learning-rate", "nan"],
    ["--tol", "-1"],
    ["--tol", "inf"],
    ["--activation", "foo"],
    ["--task", "foo"],
    ["--task"],
    ["--regression-loss", "log_loss"],
]


@pytest.mark.parametrize("args", BAD_VALUES, ids=" ".join)
def test_main_job_refuses_bad_values_before_training(args, capsys):
    # In-process, so the parametrized cases cost no interpreter start each;
    # a value argparse let through would train (or crash) instead of exiting.
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == 2
    out, err = capsys.readouterr()
    assert f"argument {args[0]}: " in err
    assert out == ""  # refused before loading data or training


@pytest.mark.parametrize(
    "args", [["--hidden"], ["--seed", "-1"], ["--alpha", "nan"], ["--task", "both2"]]
)
def test_main_job_refusal_is_a_usage_error_not_a_traceback(args):
    result = run(*args)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert f"argument {args[0]}: " in result.stderr
    assert result.stdout == ""


def test_flags_reach_the_model():
    args = parse_args(
        [
            "--activation",
            "tanh",
            "--alpha",
            "0.01",
            "--learning-rate",
            "0.005",
            "--tol",
            "0.001",
            "--epochs",
            "3",
            "--hidden",
            "10",
            "5",
            "--solver",
            "sgd",
            "--loss",
            "log_loss",
            "--seed",
            "7",
            "--quiet",
        ]
    )
    skbp, mlp = build_models(args)
    params = skbp.get_params()
    assert params["activation"] == "tanh"
    assert params["alpha"] == 0.01
    assert params["learning_rate_init"] == 0.005
    assert params["tol"] == 0.001
    assert params["max_iter"] == 3
    assert params["hidden_layer_sizes"] == (10, 5)
    assert params["solver"] == "sgd"
    assert params["loss"] == "log_loss"
    assert params["random_state"] == 7
    assert params["verbose"] is False
    assert mlp.get_params()["max_iter"] == 3
    assert mlp.get_params()["random_state"] == 7


def test_defaults_match_the_estimator():
    skbp, _ = build_models(parse_args([]))
    defaults = type(skbp)().get_params()
    for name in ("hidden_layer_sizes", "activation", "solver", "loss", "alpha"):
        assert skbp.get_params()[name] == defaults[name], name
    for name in ("learning_rate_init", "tol", "max_iter"):
        assert skbp.get_params()[name] == defaults[name], name
    assert skbp.get_params()["random_state"] == 0


def test_new_flags_reach_the_job_output():
    result = run(
        "--activation",
        "tanh",
        "--alpha",
        "0.01",
        "--learning-rate",
        "0.005",
        "--tol",
        "0.001",
        "--epochs",
        "3",
        "--hidden",
        "10",
        "--quiet",
    )
    assert result.returncode == 0, result.stderr
    summary = result.stdout.strip().splitlines()[-1]
    assert "tanh units" in summary
    assert "alpha=0.01" in summary
    assert "learning_rate_init=0.005" in summary
    assert "tol=0.001" in summary


REGRESSOR_FLAGS = [
    "--activation",
    "tanh",
    "--alpha",
    "0.01",
    "--learning-rate",
    "0.005",
    "--tol",
    "0.001",
    "--epochs",
    "3",
    "--hidden",
    "10",
    "5",
    "--solver",
    "sgd",
    "--loss",
    "log_loss",
    "--regression-loss",
    "poisson",
    "--seed",
    "7",
]


def test_flags_reach_the_regressor():
    skbp, mlp = build_regressors(parse_args(REGRESSOR_FLAGS))
    params = skbp.get_params()
    assert params["loss"] == "poisson"  # --regression-loss, not --loss
    assert params["activation"] == "tanh"
    assert params["alpha"] == 0.01
    assert params["learning_rate_init"] == 0.005
    assert params["tol"] == 0.001
    assert params["max_iter"] == 3
    assert params["hidden_layer_sizes"] == (10, 5)
    assert params["solver"] == "sgd"
    assert params["random_state"] == 7
    assert params["verbose"] is False  # progress only when regression runs alone
    assert mlp.get_params()["max_iter"] == 3
    assert mlp.get_params()["random_state"] == 7
    assert mlp.get_params()["loss"] == "squared_error"  # MLPRegressor's default
    # --regression-loss leaves the classifier's --loss alone
    assert build_models(parse_args(REGRESSOR_FLAGS))[0].loss == "log_loss"


@pytest.mark.parametrize(
    "flags, verbose",
    [
        ([], False),
        (["--task", "regression", "--progress", "lines"], True),
        pytest.param(
            ["--task", "regression", "--progress", "bar"],
            False,
            marks=needs_progress_bar,
        ),
        (["--task", "regression", "--quiet"], False),
    ],
)
def test_regressor_progress_only_when_it_runs_alone(flags, verbose):
    skbp, _ = build_regressors(parse_args(flags))
    assert skbp.verbose is verbose


def test_regressor_defaults_match_the_estimator():
    args = parse_args([])
    assert args.task == "both" and args.regression_loss == "squared_error"
    skbp, _ = build_regressors(args)
    defaults = type(skbp)().get_params()
    for name in ("hidden_layer_sizes", "activation", "solver", "loss", "alpha"):
        assert skbp.get_params()[name] == defaults[name], name
    for name in ("learning_rate_init", "tol", "max_iter"):
        assert skbp.get_params()[name] == defaults[name], name
    assert skbp.get_params()["random_state"] == 0


def test_poisson_reaches_the_job_output(capsys):
    argv = ["--task", "regression", "--regression-loss", "poisson"]
    assert main([*argv, "--epochs", "2", "--hidden", "5", "--quiet"]) == 0
    summary = capsys.readouterr().out.strip().splitlines()[-1]
    assert summary.startswith("BackpropRegressor: logistic units, poisson, ")
    assert "exp output" in summary


@pytest.mark.parametrize("loss", ["absolute_error", "huber", "quantile"])
def test_robust_losses_reach_the_job_output(loss, capsys):
    argv = ["--task", "regression", "--regression-loss", loss]
    assert build_regressors(parse_args(argv))[0].loss == loss
    assert main([*argv, "--epochs", "2", "--hidden", "5", "--quiet"]) == 0
    out = capsys.readouterr().out
    lines = table_rows(out)
    for name in REGRESSOR_ROWS:
        assert math.isfinite(float(lines[name][1])) and lines[name][3] == "2"
    summary = out.strip().splitlines()[-1]
    assert summary.startswith(f"BackpropRegressor: logistic units, {loss}, ")
    assert "identity output" in summary


@needs_progress_bar
def test_progress_bar_is_scikit_learns_callback():
    # rich is in the test extra, so 'auto' is scikit-learn's ProgressBar.
    result = run("--task", "classification", "--epochs", "3", "--hidden", "5")
    assert result.returncode == 0, result.stderr
    assert "BackpropClassifier - fit" in result.stdout
    assert "Iteration 1, loss" not in result.stdout
    assert progress_mode(parse_args([])) == "bar"
    assert progress_mode(parse_args(["--quiet"])) == "none"
