"""NumPy-only ground truth, one module per topic.

Nothing in this subpackage imports Keras or a backend, so a learner can use it in their
own tests::

    from mlfoundations.reference import models as ref
    ref.softmax([4.2, 2.1, -1.3])
"""
