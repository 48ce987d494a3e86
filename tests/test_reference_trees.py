"""Entropy, information gain and best splits (NumPy) against hand values, SciPy and
scikit-learn's DecisionTreeClassifier."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import entropy as scipy_entropy
from sklearn.datasets import load_iris, load_wine
from sklearn.tree import DecisionTreeClassifier

from mlfoundations.reference import trees

# A node of 10 samples, 4 of class 0 and 6 of class 1, split after the fifth sample.
Y_NODE = np.array([0, 0, 0, 0, 1, 1, 1, 1, 1, 1])
LEFT = np.arange(10) < 5


def root_split_of_sklearn_tree(X, y, criterion, random_state=0):
    """Feature, threshold and impurity decrease of a depth-1 scikit-learn tree's root."""
    tree = DecisionTreeClassifier(criterion=criterion, max_depth=1, random_state=random_state)
    t = tree.fit(X, y).tree_
    n = t.weighted_n_node_samples
    decrease = t.impurity[0] - n[1] / n[0] * t.impurity[1] - n[2] / n[0] * t.impurity[2]
    return int(t.feature[0]), float(t.threshold[0]), float(decrease), t


def test_entropy_hand_values_in_bits_and_nats():
    assert trees.entropy([0, 1]) == pytest.approx(1.0, abs=1e-15)  # fair coin: 1 bit
    assert trees.entropy([0, 1], base=math.e) == pytest.approx(math.log(2), abs=1e-15)
    assert trees.entropy([3, 3, 3]) == 0.0
    # 4 of one class, 6 of the other: -(0.4 log2 0.4 + 0.6 log2 0.6)
    assert trees.entropy(Y_NODE) == pytest.approx(0.9709505944546686, abs=1e-12)


def test_fair_die_has_more_entropy_than_fair_coin():
    """Seed claim: a fair six-sided die has higher entropy than a fair coin (2.585 vs 1 bit)."""
    die, coin = trees.entropy(np.arange(6)), trees.entropy(np.arange(2))
    assert die == pytest.approx(math.log2(6), abs=1e-12)
    assert coin == pytest.approx(1.0, abs=1e-12)
    assert die > coin


def test_entropy_matches_scipy_and_accepts_string_labels():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 5, size=200)
    counts = np.bincount(y)
    assert trees.entropy(y) == pytest.approx(scipy_entropy(counts, base=2), rel=1e-12)
    assert trees.entropy(y, base=math.e) == pytest.approx(scipy_entropy(counts), rel=1e-12)
    assert trees.entropy(np.array(["a", "b", "b", "a"])) == pytest.approx(1.0, abs=1e-15)


def test_gini_hand_values():
    assert trees.gini([0, 1]) == pytest.approx(0.5, abs=1e-15)
    assert trees.gini(np.arange(4)) == pytest.approx(0.75, abs=1e-15)
    assert trees.gini(Y_NODE) == pytest.approx(1 - 0.4**2 - 0.6**2, abs=1e-15)


def test_information_gain_hand_example():
    # left [0,0,0,0,1]: H = 0.7219 bits; right [1]*5: H = 0; IG = 0.97095 - 0.5 * 0.72193
    h_left = -(0.8 * math.log2(0.8) + 0.2 * math.log2(0.2))
    expected = 0.9709505944546686 - 0.5 * h_left
    assert trees.information_gain(Y_NODE, LEFT) == pytest.approx(expected, abs=1e-12)
    assert expected == pytest.approx(0.6099865470109874, abs=1e-12)
    nats = trees.information_gain(Y_NODE, LEFT, base=math.e)
    assert nats == pytest.approx(expected * math.log(2), abs=1e-12)


def test_perfect_and_useless_splits():
    assert trees.information_gain(Y_NODE, Y_NODE == 0) == pytest.approx(trees.entropy(Y_NODE))
    assert trees.information_gain(Y_NODE, np.zeros(10, bool)) == 0.0  # empty child
    # A split whose children keep the parent's 2:3 class mix gains nothing.
    y = np.array([0, 0, 1, 1, 1, 0, 0, 1, 1, 1])
    assert trees.information_gain(y, np.arange(10) < 5) == pytest.approx(0.0, abs=1e-15)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.booleans()), min_size=1, max_size=40))
def test_gain_is_between_zero_and_the_smaller_of_parent_entropy_and_one_bit(pairs):
    """0 <= IG <= min(H(y), 1 bit): a yes/no question reveals at most one bit."""
    y = np.array([p[0] for p in pairs])
    left = np.array([p[1] for p in pairs])
    gain = trees.information_gain(y, left)
    assert 0.0 <= gain <= min(trees.entropy(y), 1.0) + 1e-12


def test_candidate_thresholds_are_midpoints_of_distinct_values():
    np.testing.assert_array_equal(trees.candidate_thresholds([3.0, 1.0, 2.0, 1.0]), [1.5, 2.5])
    assert trees.candidate_thresholds([5.0, 5.0]).size == 0


def test_best_split_on_one_feature_by_hand():
    x = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    y = np.array([0, 0, 0, 1, 1, 1])
    split = trees.best_split(x, y)
    assert split.threshold == 3.5 and split.gain == pytest.approx(1.0, abs=1e-15)
    constant = trees.best_split(np.ones(4), [0, 1, 0, 1])
    assert math.isnan(constant.threshold) and constant.gain == 0.0


@pytest.mark.parametrize("criterion", ["entropy", "gini"])
def test_root_split_equals_sklearn_decision_tree_on_wine(criterion):
    """Same feature, same threshold (sklearn stores float32 midpoints: rtol 1e-6), and the
    same impurity decrease to 1e-12: sklearn's "entropy" is in bits (log2)."""
    X, y = load_wine(return_X_y=True)
    ours = trees.best_feature_split(X, y, criterion=criterion)
    feature, threshold, decrease, tree = root_split_of_sklearn_tree(X, y, criterion)
    assert ours.feature == feature
    assert ours.threshold == pytest.approx(threshold, rel=1e-6)
    assert ours.gain == pytest.approx(decrease, abs=1e-12)
    if criterion == "entropy":
        # the root's impurity: bits, not nats
        assert tree.impurity[0] == pytest.approx(trees.entropy(y, base=2), abs=1e-12)
        assert tree.impurity[0] != pytest.approx(trees.entropy(y, base=math.e), abs=1e-3)


def test_entropy_and_gini_choose_different_root_splits_on_wine():
    X, y = load_wine(return_X_y=True)
    by_entropy = trees.best_feature_split(X, y, criterion="entropy")
    by_gini = trees.best_feature_split(X, y, criterion="gini")
    assert (by_entropy.feature, by_gini.feature) == (6, 12)  # flavanoids vs proline


def test_tied_features_on_iris_have_equal_gain():
    """Petal length and petal width both isolate setosa: a tie. sklearn picks one by its
    random feature order; the gain is the same either way."""
    X, y = load_iris(return_X_y=True)
    ours = trees.best_feature_split(X, y)
    assert ours.feature == 2 and ours.threshold == pytest.approx(2.45)
    for seed in range(4):
        feature, _, decrease, _ = root_split_of_sklearn_tree(X, y, "entropy", random_state=seed)
        assert feature in (2, 3)
        assert decrease == pytest.approx(ours.gain, abs=1e-12)
        assert trees.best_split(X[:, feature], y).gain == pytest.approx(ours.gain, abs=1e-12)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: trees.entropy([0, 1], base=1), ValueError, "base"),
        (lambda: trees.entropy([0, 1], base=-2.0), ValueError, "base"),
        (lambda: trees.entropy([0, 1], base="2"), TypeError, "base"),
        (lambda: trees.entropy([]), ValueError, "y must not be empty"),
        (lambda: trees.entropy([[0, 1]]), ValueError, "y must be 1-dimensional"),
        (lambda: trees.entropy([0.0, np.nan]), ValueError, "finite"),
        (lambda: trees.information_gain([0, 1], [1, 0]), TypeError, "left must be a boolean"),
        (lambda: trees.information_gain([0, 1, 1], [True, False]), ValueError, "y and left"),
        (
            lambda: trees.impurity_decrease([0, 1], [True, False], criterion="mse"),
            ValueError,
            "criterion",
        ),
        (lambda: trees.best_split([1.0, np.inf], [0, 1]), ValueError, "x must contain only"),
        (lambda: trees.best_split([1.0, 2.0, 3.0], [0, 1]), ValueError, "x and y"),
        (lambda: trees.best_feature_split([1.0, 2.0], [0, 1]), ValueError, "X must be 2-dim"),
        (lambda: trees.best_feature_split(np.ones((3, 2)), [0, 1]), ValueError, "X and y"),
    ],
)
def test_bad_input_names_the_argument(call, error, match):
    with pytest.raises(error, match=match):
        call()
