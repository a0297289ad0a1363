"""The cascade probe's pieces (``bench/cascade_probe.py``) on small arrays."""
from __future__ import annotations

import numpy as np

from bench.cascade_probe import cascade, recall_point


def test_recall_point_keeps_that_share_of_positives_above_it():
    rng = np.random.default_rng(0)
    z = rng.normal(size=1000)
    y = (rng.random(1000) < 0.4).astype(int)
    p = recall_point(z, y, 0.9)
    assert abs((z[y == 1] >= p).mean() - 0.9) < 0.01


def test_cascade_replaces_only_the_rows_nearest_the_point():
    first = np.linspace(-5, 5, 101)
    second = first + 100.0
    out = cascade(first, second, 0.0, 0.2)
    replaced = out != first
    assert 0.19 <= replaced.mean() <= 0.22
    assert np.abs(first[replaced]).max() < np.abs(first[~replaced]).min()     # the band is around the point
    assert np.array_equal(cascade(first, second, 0.0, 0.0), first)
    assert np.array_equal(cascade(first, second, 0.0, 1.0), second)
