"""mlfoundations: the foundations of machine learning and LLMs, with working code.

Every idea comes three ways:

* ``mlfoundations.reference`` -- NumPy-only ground truth, importable in your own tests;
* ``mlfoundations.<topic>``   -- Keras 3 code (``keras.ops`` only) that runs unchanged on
  TensorFlow, JAX and PyTorch;
* ``chapters/NN_topic.py``    -- a runnable chapter that is also a page of the book.

Importing this package is cheap: it imports neither Keras nor any backend. The backend is
chosen by ``KERAS_BACKEND`` (or :func:`mlfoundations.backend.use_backend`) before Keras is
first imported.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
