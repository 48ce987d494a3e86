"""mlfoundations: the foundations of machine learning and LLMs, with working code.

Every idea comes three ways:

* ``mlfoundations.reference`` -- NumPy-only ground truth, importable in your own tests;
* ``mlfoundations.<topic>``   -- Keras 3 code (``keras.ops`` only) that runs unchanged on
  TensorFlow, JAX and PyTorch;
* ``chapters/NN_topic.py``    -- a runnable chapter that is also a page of the book.

Chapter → modules → tests. ``reference/x`` is ``mlfoundations/reference/x.py``, ``x`` is
``mlfoundations/x.py``, a test ``t`` is ``tests/t.py``; *planned* rows land with their
chapter.

* **1** modules: models, reference/models, activations, sampling, reference/sampling,
  reference/transformer; tests: test_models, test_reference_models, test_sampling,
  test_reference_sampling
* **2** modules: sklearn_baselines, reference/trees, reference/neighbors,
  reference/naive_bayes, data; tests: test_baselines, test_reference_trees, test_data
* **3** modules: linear, reference/linear, losses, reference/losses, optim, reference/optim;
  tests: test_linear, test_reference_linear, test_losses, test_reference_losses,
  test_fit_steps
* **4** modules: logistic, reference/logistic, losses, reference/losses, optim,
  reference/optim; tests: test_logistic, test_reference_logistic, test_peer_torch
* **5** modules: mlp, reference/mlp, reference/losses, reference/optim, backend; tests:
  test_mlp, test_reference_mlp, test_peer_torch, test_backend_keras
* **6** modules: activations, reference/activations; tests: test_activations,
  test_reference_activations, test_peer_torch
* **7** modules: embeddings, reference/embeddings, reference/tokenizers, backend; tests:
  test_embeddings, test_reference_embeddings, test_reference_tokenizers
* **8** modules: transformer, reference/transformer, sampling, reference/sampling, optim,
  data; tests: test_transformer, test_reference_transformer, test_sampling,
  test_reference_sampling
* **9** modules: optim, reference/optim; tests: test_optim, test_reference_optim,
  test_peer_torch_optim
* **10** modules: scaling, reference/scaling, transformer, reference/transformer, optim;
  tests: test_scaling, test_reference_scaling
* **11** modules: metrics, reference/metrics, reference/logistic, reference/linear, mlp,
  backend; tests: test_metrics, test_reference_metrics

Every chapter also runs in ``test_chapters`` (quick mode, every backend) and on the site
(``test_site``). The machinery: ``book/`` (chapter contract, run options, ``mlf``,
report, plotting, timing), ``checks``, ``backend``, ``data`` and ``testing``, tested by
``test_chapter_contract``, ``test_chapter_run``, ``test_options``, ``test_cli``,
``test_checks``, ``test_backend_keras``, ``test_package``, ``test_twins`` and
``test_api_nav``.

Importing this package is cheap: it imports neither Keras nor any backend. The backend is
chosen by ``KERAS_BACKEND`` (or :func:`mlfoundations.backend.use_backend`) before Keras is
first imported.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
