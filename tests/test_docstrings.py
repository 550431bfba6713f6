"""numpydoc sections on every public object (their examples run as doctests)."""

import inspect

import pytest

import skbp

PUBLIC_FUNCTIONS = [skbp.loss_and_gradients, skbp.gradient_check]
METHODS = [
    "fit",
    "partial_fit",
    "predict",
    "predict_proba",
    "predict_log_proba",
    "decision_function",
    "transform",
    "fit_transform",
    "get_feature_names_out",
]


def sections(obj):
    doc = inspect.getdoc(obj) or ""
    return {
        line.strip()
        for line, rule in zip(doc.splitlines(), doc.splitlines()[1:])
        if rule.strip() and set(rule.strip()) == {"-"}
    }


@pytest.mark.parametrize("func", PUBLIC_FUNCTIONS, ids=lambda f: f.__name__)
def test_public_functions_have_numpydoc_sections(func):
    assert {"Parameters", "Returns", "Examples"} <= sections(func)


@pytest.mark.parametrize("name", METHODS)
def test_estimator_methods_have_numpydoc_sections(name):
    assert {"Parameters", "Returns", "Examples"} <= sections(
        getattr(skbp.BackpropClassifier, name)
    )


def test_classes_have_numpydoc_sections():
    assert {"Parameters", "Attributes", "Examples"} <= sections(skbp.BackpropClassifier)
    assert "Examples" in sections(skbp.InvalidParameterError)


def test_every_constructor_parameter_is_documented():
    doc = inspect.getdoc(skbp.BackpropClassifier)
    for name in skbp.BackpropClassifier().get_params():
        assert f"\n{name} :" in doc or f", {name} :" in doc or f"\n{name}, " in doc, (
            name
        )
