"""Fixtures shared by the model tests."""

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

import tickcast as tc


@pytest.fixture(autouse=True, scope="module")
def _one_blas_thread():
    """One BLAS thread: fits are faster and steadier than with oversubscribed threads."""
    with threadpool_limits(limits=1):
        yield


@pytest.fixture(scope="module")
def dbk_exog(dbk):
    """DAX daily log return, known at each DBK date (aligned, last value carried).

    ``dbk`` is each test module's own slice of Deutsche Bank closes.
    """
    dax = tc.load("dax")
    ret = np.log(dax).diff().reindex(dbk.index, method="ffill").fillna(0.0)
    return ret.to_frame("dax_ret")
