"""The argument validators of ``mlfoundations.checks``."""

import numpy as np
import pytest

from mlfoundations.checks import check_seed


@pytest.mark.parametrize("seed", [0, 7, 2**32 - 1, np.int64(5), np.uint32(9), np.int8(1)])
def test_check_seed_accepts_python_and_numpy_integers(seed):
    assert check_seed(seed) == int(seed) and type(check_seed(seed)) is int


@pytest.mark.parametrize(
    ("seed", "error"),
    [
        (True, TypeError),
        (np.bool_(False), TypeError),
        (1.0, TypeError),
        (np.float64(2), TypeError),
        ("0", TypeError),
        (None, TypeError),
        (-1, ValueError),
        (2**32, ValueError),
    ],
)
def test_check_seed_rejects_others_with_a_clear_message(seed, error):
    with pytest.raises(error, match=r"random_state must be an integer in \[0, 2\*\*32\)"):
        check_seed(seed, "random_state")
