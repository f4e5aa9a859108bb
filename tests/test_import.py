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


def test_the_package_pickles_by_name_so_scripts_can_use_joblib_workers():
    # tickcast's module object has its own class (tc.backtest stays the function); a function
    # from a script or notebook that uses `tc` must still reach loky workers, which pickle it
    # with cloudpickle (this failed with "cannot pickle '_Package' object")
    import pickle

    import cloudpickle
    from joblib import Parallel, delayed

    import tickcast as tc

    assert pickle.loads(pickle.dumps(tc)) is tc
    script = {"tc": tc}
    exec("def last(name):\n    return float(tc.load(name).iloc[-1])", script)
    fn = script["last"]
    fn.__module__ = "__main__"  # pickled by value, with its globals, as cloudpickle does
    assert cloudpickle.loads(cloudpickle.dumps(fn))("dgs10") == fn("dgs10")
    out = Parallel(n_jobs=2, backend="loky")(delayed(fn)(n) for n in ("dgs10", "dbk"))
    assert out == [fn("dgs10"), fn("dbk")]
