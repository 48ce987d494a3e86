"""The machinery of the book, kept apart from the topics it teaches.

* :mod:`~mlfoundations.book.chapter`  -- the chapter contract (``setup``, ``ChapterRun``);
* :mod:`~mlfoundations.book.options`  -- the run options and the child-process environment;
* :mod:`~mlfoundations.book.cli`      -- the ``mlf`` command;
* :mod:`~mlfoundations.book.report`   -- tables for pages and terminals;
* :mod:`~mlfoundations.book.plotting` -- the figure style and atomic saving;
* :mod:`~mlfoundations.book.timing`   -- best-of-N timing for benchmarks.
"""
