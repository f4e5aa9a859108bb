"""`import tickcast` stays light: heavy libraries are imported only when used."""

import subprocess
import sys

HEAVY = ("statsmodels", "matplotlib", "yfinance", "sklearn", "torch")


def test_import_does_not_pull_heavy_libraries():
    code = f"import sys, tickcast; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "", f"import tickcast imported: {out}"


def test_unknown_attribute_raises_attribute_error():
    import tickcast

    try:
        tickcast.no_such_name  # noqa: B018
    except AttributeError as exc:
        assert "no_such_name" in str(exc)
    else:
        raise AssertionError("expected AttributeError")


def test_errors_are_tickcast_and_builtin_types():
    from tickcast import errors

    assert issubclass(errors.DataError, errors.TickcastError)
    assert issubclass(errors.DataError, ValueError)
    assert issubclass(errors.InputTypeError, TypeError)
    assert issubclass(errors.FallbackWarning, UserWarning)


def test_the_package_pickles_by_reference_for_parallel_workers():
    """joblib/cloudpickle send functions that use ``tc`` to workers (notebook 06)."""
    import pickle

    import cloudpickle

    import tickcast as tc

    assert pickle.loads(pickle.dumps(tc)) is tc
    assert cloudpickle.loads(cloudpickle.dumps(lambda: tc.Naive))() is tc.Naive
