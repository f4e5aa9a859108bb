"""Learning-rate schedules."""

from __future__ import annotations

import pytest

from tickcast.errors import ConfigError, InputTypeError
from tickcast.nn import Constant, CosineDecay, ExponentialDecay, StepDecay, make_schedule


def test_values():
    assert [Constant()(e) for e in (0, 50)] == [1.0, 1.0]
    assert [StepDecay(every=2, factor=0.1)(e) for e in (0, 1, 2, 5)] == pytest.approx(
        [1.0, 1.0, 0.1, 0.01]
    )
    assert ExponentialDecay(0.5)(3) == pytest.approx(0.125)
    cos = CosineDecay(epochs=10, floor=0.1)
    assert [cos(0), cos(5), cos(10), cos(20)] == pytest.approx([1.0, 0.55, 0.1, 0.1])


def test_make_schedule():
    assert make_schedule(None) is None
    assert isinstance(make_schedule("step"), StepDecay)
    assert make_schedule({"name": "cosine", "epochs": 4})(4) == pytest.approx(0.0)
    assert make_schedule(lambda e: 0.5)(3) == 0.5
    cfg = StepDecay(every=3).get_config()
    assert make_schedule(cfg).every == 3


@pytest.mark.parametrize(
    ("spec", "error", "match"),
    [
        ("linear", ConfigError, "lr_schedule"),
        ("cosine", ConfigError, "epochs"),
        (StepDecay(every=0), ConfigError, "every"),
        (StepDecay(factor=-1), ConfigError, "factor"),
        (ExponentialDecay(rate=0), ConfigError, "rate"),
        (CosineDecay(epochs=5, floor=2), ConfigError, "floor"),
        (3, InputTypeError, "lr_schedule"),
    ],
)
def test_invalid(spec, error, match):
    with pytest.raises(error, match=match):
        make_schedule(spec)
