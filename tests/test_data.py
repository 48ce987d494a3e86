"""Datasets: seeded, leak-free splits, clear errors, and a downloader tested offline."""

import hashlib
import http.server
import threading
import warnings

import numpy as np
import pytest

from mlfoundations import data


@pytest.mark.parametrize("name", data.DATASETS)
def test_every_dataset_loads_and_is_reproducible(name):
    a = data.load(name, seed=1)
    b = data.load(name, seed=1)
    assert a.X_train.dtype == np.float64 and a.X_train.ndim == 2
    np.testing.assert_array_equal(a.X_train, b.X_train)
    np.testing.assert_array_equal(a.y_test, b.y_test)
    n = len(a.y_train) + len(a.y_val) + len(a.y_test)
    assert abs(len(a.y_test) / n - 0.2) < 0.02
    assert len(a.feature_names) == a.n_features
    if a.task == "classification":
        assert a.y_train.dtype == np.int64 and a.n_classes == int(a.y_train.max()) + 1
    else:
        assert a.y_train.dtype == np.float64 and a.n_classes == 0


def test_standardisation_is_fitted_on_train_only():
    raw = data.load("wine", standardize=False)
    std = data.load("wine")
    np.testing.assert_allclose(std.X_train.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(std.X_train.std(axis=0), 1, atol=1e-12)
    np.testing.assert_allclose(std.mean, raw.X_train.mean(axis=0))
    np.testing.assert_allclose(std.X_test, (raw.X_test - std.mean) / std.scale)
    assert np.abs(std.X_test.mean(axis=0)).max() > 1e-3  # test data was not used to fit it


def test_classification_split_is_stratified():
    s = data.load("iris")
    for part in (s.y_train, s.y_val, s.y_test):
        assert np.ptp(np.bincount(part)) <= 1


def test_generators_have_known_answers():
    X, y = data.make_house_prices(n_samples=2000, noise=0.0)
    A = np.column_stack([X, np.ones(len(X))])
    coef = np.linalg.lstsq(A, y, rcond=None)[0]
    np.testing.assert_allclose(coef[:3], data.HOUSE_PRICE_COEF, rtol=1e-9)
    np.testing.assert_allclose(coef[3], data.HOUSE_PRICE_INTERCEPT, rtol=1e-9)
    X, y = data.make_xor(noise=0.0)
    assert np.all(y == ((X[:, 0] > 0) ^ (X[:, 1] > 0)))
    X, y = data.make_spirals(n_samples=301, n_classes=3)
    assert X.shape == (301, 2) and set(np.unique(y)) == {0, 1, 2}
    X, y = data.make_noisy_line(n_samples=50, slope=3.0, intercept=-1.0, noise=0.0)
    np.testing.assert_allclose(y, 3.0 * X[:, 0] - 1.0)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: data.load("mnist"), "unknown dataset 'mnist'; expected one of"),
        (lambda: data.split(np.ones((5, 2)), np.ones(4)), "same number of samples"),
        (lambda: data.split(np.array([[1.0], [np.nan]]), np.ones(2)), "finite"),
        (lambda: data.split(np.ones(5), np.ones(5)), "2-dimensional"),
        (lambda: data.split(np.ones((10, 2)), np.ones(10), test_size=1.5), "test_size"),
        (
            lambda: data.split(np.ones((10, 2)), np.ones(10), val_size=0.5, test_size=0.5),
            "must be < 1",
        ),
        (lambda: data.make_moons(n_samples=0), "n_samples"),
        (lambda: data.make_moons(seed=-1), "seed"),
        (lambda: data.make_circles(factor=2.0), "factor"),
    ],
)
def test_bad_input_names_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_text_corpora_ship_offline():
    text = data.pydoc_topics()
    assert len(text) > 100_000 and "lambda" in text
    docs = data.lee_corpus()
    assert len(docs) == 300 and all(isinstance(t, str) for t in docs[0])


# --------------------------------------------------------------------------- downloader

BODY = b"To be, or not to be, that is the question.\n" * 100
SHA = hashlib.sha256(BODY).hexdigest()


class _Handler(http.server.BaseHTTPRequestHandler):
    hits = 0
    body = BODY

    def do_GET(self):  # noqa: N802 (http.server's name)
        type(self).hits += 1
        if self.path == "/missing":
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    handler = type("Handler", (_Handler,), {"hits": 0, "body": BODY})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", handler
    httpd.shutdown()


def test_download_checks_and_caches(server, tmp_path):
    url, handler = server
    path = data.download(url + "/input.txt", tmp_path / "c" / "input.txt", sha256=SHA)
    assert path.read_bytes() == BODY
    data.download(url + "/input.txt", path, sha256=SHA)  # cached: no second request
    assert handler.hits == 1
    assert not list(path.parent.glob(".*part"))


def test_corrupted_download_is_rejected(server, tmp_path):
    url, handler = server
    handler.body = BODY[:-1] + b"?"  # one byte flipped in transit
    target = tmp_path / "input.txt"
    with pytest.raises(data.ChecksumError, match="checksum mismatch"):
        data.download(url + "/input.txt", target, sha256=SHA, retries=3, backoff=0)
    assert not target.exists()
    assert handler.hits == 1  # a wrong checksum is not retried
    assert not list(tmp_path.iterdir())  # no partial file left behind


def test_network_errors_are_retried_then_reported(server, tmp_path):
    url, handler = server
    with pytest.raises(OSError, match="after 3 attempts"):
        data.download(url + "/missing", tmp_path / "x.txt", sha256=SHA, retries=3, backoff=0)
    assert handler.hits == 3


def test_file_url_and_corrupt_cache_is_moved_aside(tmp_path):
    source = tmp_path / "source.txt"
    source.write_bytes(BODY)
    target = tmp_path / "cache" / "input.txt"
    target.parent.mkdir()
    target.write_bytes(b"stale")
    data.download(source.as_uri(), target, sha256=SHA)
    assert target.read_bytes() == BODY
    assert (target.parent / "input.txt.corrupt").read_bytes() == b"stale"  # not lost


def test_tiny_shakespeare_falls_back_offline_with_one_warning(tmp_path):
    closed = "http://127.0.0.1:9/input.txt"  # the discard port: nothing listens
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        text = data.tiny_shakespeare(url=closed, cache=tmp_path / "ts.txt", retries=1)
    assert text == data.pydoc_topics()
    assert [w.category for w in caught] == [data.OfflineFallbackWarning]
    with pytest.raises(OSError):
        data.tiny_shakespeare(
            url=closed, cache=tmp_path / "ts.txt", retries=1, offline_fallback=False
        )


def test_tiny_shakespeare_from_a_local_copy(tmp_path):
    source = tmp_path / "input.txt"
    source.write_bytes(BODY)
    text = data.tiny_shakespeare(url=source.as_uri(), sha256=SHA, cache=tmp_path / "c.txt")
    assert text.startswith("To be, or not to be")


def test_cache_dir_follows_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("MLF_DATA_DIR", str(tmp_path))
    assert data.cache_dir() == tmp_path


def test_make_moons_geometry_is_sklearns():
    """Noise 0: class 0 on the upper unit half circle, class 1 on the lower half circle of
    radius 1 centred at (1, 0.5), as in ``sklearn.datasets.make_moons`` (to 1e-12)."""
    X, y = data.make_moons(400, noise=0.0, seed=3)
    upper, lower = X[y == 0], X[y == 1]
    assert len(upper) == len(lower) == 200
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0, atol=1e-12)
    assert upper[:, 1].min() >= 0
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0, atol=1e-12)
    assert lower[:, 1].max() <= 0.5  # the lower moon opens upwards: a flipped one fails here
    # the two moons interleave: each one's tip reaches past the other's centre
    assert upper[:, 0].max() > 0.9 and lower[:, 0].min() < 0.1


def test_make_circles_radii_follow_factor():
    """Noise 0: class 0 on the unit circle and class 1 on the circle of radius ``factor``."""
    for factor in (0.3, 0.8):
        X, y = data.make_circles(300, noise=0.0, factor=factor, seed=1)
        r = np.hypot(*X.T)
        np.testing.assert_allclose(r[y == 0], 1.0, atol=1e-12)
        np.testing.assert_allclose(r[y == 1], factor, atol=1e-12)
        # the angles cover the whole circle, not a half: every quadrant holds points
        quadrant = (X[:, 0] > 0).astype(int) * 2 + (X[:, 1] > 0)
        assert set(quadrant[y == 1]) == {0, 1, 2, 3}
