"""Tokenizers from scratch: characters, words and byte-level BPE, with one interface.

Chapter 7 ("Tokens and embeddings"). Every tokenizer here has

* ``train(text)`` — learn a vocabulary from a string (returns the tokenizer);
* ``encode(text) -> list[int]`` and ``decode(ids) -> str``;
* ``vocab_size``;
* ``save(path)`` / :func:`load` ``(path)`` as JSON.

:class:`ByteLevelBPE` is the tokenizer of GPT-2: text is cut into chunks by a
pre-tokenisation regex, each chunk becomes its UTF-8 bytes (a base alphabet of 256 tokens,
so any Unicode string can be encoded, and decoded back exactly), and training repeatedly
merges the most frequent adjacent pair of tokens into a new token. Pair counts are updated
incrementally, only in the chunks that contain the merged pair, so 1,000 merges on half a
megabyte of text take seconds.

Pure Python and NumPy; no Keras.
"""

from __future__ import annotations

import heapq
import json
import re
from abc import ABC, abstractmethod
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

# GPT-2's pre-tokenisation pattern is written with Unicode classes that Python's ``re`` does
# not have (the ``regex`` module does):
#     's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
# In ``re``, ``\w`` is "letter, number or underscore", so \p{L} becomes ``[^\W\d_]`` and
# \p{N} becomes ``\d``. The differences: ``\d`` is only the decimal digits (category Nd), so
# the other numerals (Nl, No: "Ⅻ", "²", "½") are grouped with letters here instead of with
# numbers; and the underscore, a "word" character for ``re``, is put back among the
# punctuation explicitly. On ASCII text the two patterns cut identically.
GPT2_SPLIT_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?[^\W\d_]+| ?\d+| ?(?:[^\s\w]|_)+|\s+(?!\S)|\s+"""
GPT2_SPLIT_RE = re.compile(GPT2_SPLIT_PATTERN)

WORD_PATTERN = r"\w+|[^\w\s]"
"""Words (runs of letters, digits, underscores) and single punctuation marks."""

UNK = "<unk>"


def pretokenize(text: str) -> list[str]:
    """Cut ``text`` into GPT-2 style chunks (words with their leading space, numbers, ...).

    ``"".join(pretokenize(text)) == text`` for every string: the pattern covers every
    character, so no byte is lost before BPE sees it.
    """
    return GPT2_SPLIT_RE.findall(_check_text(text, "text"))


def _check_text(text, name: str) -> str:
    if not isinstance(text, str):
        raise TypeError(f"{name} must be a str, got {type(text).__name__}")
    return text


def _check_ids(ids, vocab_size: int) -> list[int]:
    try:
        arr = None if isinstance(ids, (str, bytes)) else np.asarray(ids)
    except ValueError:  # a ragged nesting
        arr = None
    if arr is not None and arr.shape == (0,):
        return []  # no tokens decode to the empty string
    # int(i) would truncate 1.5 to 1 and drop an imaginary part: integers only.
    if arr is None or arr.ndim != 1 or not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"ids must be a 1-D sequence of integers, got {ids!r:.60}")
    ids = arr.tolist()
    bad = [i for i in ids if not 0 <= i < vocab_size]
    if bad:
        raise ValueError(f"ids must lie in [0, {vocab_size}), got {bad[0]}")
    return ids


class Tokenizer(ABC):
    """The shared interface: ``train``, ``encode``, ``decode``, ``vocab_size``, ``save``."""

    kind = "tokenizer"

    @abstractmethod
    def train(self, text: str) -> Tokenizer:
        """Implemented by each tokenizer."""

    @abstractmethod
    def encode(self, text: str) -> list[int]:
        """Implemented by each tokenizer."""

    @abstractmethod
    def decode(self, ids) -> str:
        """Implemented by each tokenizer."""

    @property
    @abstractmethod
    def vocab_size(self) -> int:
        """Implemented by each tokenizer."""

    @abstractmethod
    def _state(self) -> dict:
        """Implemented by each tokenizer."""

    @classmethod
    @abstractmethod
    def _from_state(cls, state: dict) -> Tokenizer:
        """Implemented by each tokenizer."""

    def _check_trained(self) -> None:
        if self.vocab_size == 0:
            raise RuntimeError(f"this {type(self).__name__} is not trained yet: call train(text)")

    def save(self, path) -> Path:
        """Write the tokenizer as JSON to ``path`` (read it back with :func:`load`)."""
        path = Path(path)
        path.write_text(json.dumps({"type": self.kind, **self._state()}), encoding="utf-8")
        return path

    def __repr__(self) -> str:
        return f"{type(self).__name__}(vocab_size={self.vocab_size})"


class _VocabTokenizer(Tokenizer):
    """Shared by the character and word tokenizers: a list of strings, id 0 is ``<unk>``."""

    def __init__(self):
        self.itos: list[str] = []
        self.stoi: dict[str, int] = {}

    @abstractmethod
    def _pieces(self, text: str) -> list[str]:
        """Implemented by each tokenizer."""

    def _set_vocab(self, pieces) -> None:
        self.itos = [UNK, *pieces]
        self.stoi = {s: i for i, s in enumerate(self.itos)}

    @property
    def vocab_size(self) -> int:
        return len(self.itos)

    def encode(self, text: str) -> list[int]:
        """Ids of the pieces of ``text``; a piece never seen in training becomes ``<unk>`` (0)."""
        self._check_trained()
        return [self.stoi.get(p, 0) for p in self._pieces(_check_text(text, "text"))]

    def _state(self) -> dict:
        return {"itos": self.itos[1:]}


class CharTokenizer(_VocabTokenizer):
    """One token per Unicode character seen in training (sorted), plus ``<unk>``.

    The smallest vocabulary and the longest sequences: one id per character. Decoding is
    exact for any text made of characters seen in training.
    """

    kind = "char"

    def _pieces(self, text: str) -> list[str]:
        return list(text)

    def train(self, text: str) -> CharTokenizer:
        """Make the vocabulary: every distinct character of ``text``."""
        text = _check_text(text, "text")
        if not text:
            raise ValueError("text must not be empty")
        self._set_vocab(sorted(set(text)))
        return self

    def decode(self, ids) -> str:
        """The characters of ``ids`` joined (``<unk>`` decodes to U+FFFD)."""
        ids = _check_ids(ids, self.vocab_size)
        return "".join("\ufffd" if i == 0 else self.itos[i] for i in ids)

    @classmethod
    def _from_state(cls, state):
        tok = cls()
        tok._set_vocab(state["itos"])
        return tok


class WordTokenizer(_VocabTokenizer):
    """Words and punctuation marks split by a regex, optionally lower-cased.

    Decoding joins the words with single spaces: the original spacing and case are lost,
    which is why language models moved to subword tokenizers.

    Parameters
    ----------
    lower : bool, default True
        Lower-case the text before splitting.
    min_count : int, default 1
        Words seen fewer times in training map to ``<unk>``.
    max_vocab : int, optional
        Keep only the most frequent words (ties broken alphabetically).
    """

    kind = "word"

    def __init__(self, *, lower: bool = True, min_count: int = 1, max_vocab: int | None = None):
        super().__init__()
        from ..checks import check_positive_int

        self.lower = bool(lower)
        self.min_count = check_positive_int(min_count, "min_count")
        self.max_vocab = None if max_vocab is None else check_positive_int(max_vocab, "max_vocab")
        self._re = re.compile(WORD_PATTERN)

    def _pieces(self, text: str) -> list[str]:
        return self._re.findall(text.lower() if self.lower else text)

    def train(self, text: str) -> WordTokenizer:
        """Count the words of ``text`` and keep those seen at least ``min_count`` times."""
        counts = Counter(self._pieces(_check_text(text, "text")))
        kept = sorted(
            (w for w, c in counts.items() if c >= self.min_count), key=lambda w: (-counts[w], w)
        )
        if not kept:
            raise ValueError(f"no word of text occurs at least min_count={self.min_count} times")
        self._set_vocab(kept[: self.max_vocab])
        return self

    def decode(self, ids) -> str:
        """The words of ``ids`` joined by single spaces."""
        ids = _check_ids(ids, self.vocab_size)
        return " ".join(self.itos[i] for i in ids)

    def _state(self) -> dict:
        return {
            **super()._state(),
            "lower": self.lower,
            "min_count": self.min_count,
            "max_vocab": self.max_vocab,
        }

    @classmethod
    def _from_state(cls, state):
        tok = cls(lower=state["lower"], min_count=state["min_count"], max_vocab=state["max_vocab"])
        tok._set_vocab(state["itos"])
        return tok


def _merge(word: tuple[int, ...], pair: tuple[int, int], new_id: int) -> tuple[int, ...]:
    """Replace every non-overlapping occurrence of ``pair`` in ``word`` (left to right)."""
    a, b = pair
    out, i, n = [], 0, len(word)
    while i < n:
        if i + 1 < n and word[i] == a and word[i + 1] == b:
            out.append(new_id)
            i += 2
        else:
            out.append(word[i])
            i += 1
    return tuple(out)


def _pairs(word: tuple[int, ...]) -> Counter:
    return Counter(zip(word, word[1:], strict=False))


class ByteLevelBPE(Tokenizer):
    """Byte-level byte-pair encoding, as GPT-2 defines it.

    Token ids 0–255 are the bytes; id ``256 + k`` is the ``k``-th merge. Training:

    1. cut the text into chunks with :data:`GPT2_SPLIT_PATTERN` (merges never cross a chunk);
    2. write each distinct chunk as its UTF-8 bytes, weighted by how often it occurs;
    3. count adjacent pairs over all chunks; merge the most frequent pair into a new token;
       update the counts of the chunks that contained it only; repeat ``n_merges`` times.

    Ties (pairs with the same count) are broken by the smallest pair of ids ``(a, b)``,
    so training is deterministic. Training stops early when no pair occurs twice.

    Parameters
    ----------
    n_merges : int, default 1000
        Number of merges to learn; ``vocab_size = 256 + n_merges`` (or fewer).
    """

    kind = "bpe"

    def __init__(self, n_merges: int = 1000):
        from ..checks import check_positive_int

        self.n_merges = check_positive_int(n_merges, "n_merges", minimum=0)
        self.merges: list[tuple[int, int]] = []
        self._build()

    def _build(self) -> None:
        self.ranks = {pair: 256 + k for k, pair in enumerate(self.merges)}
        self.vocab = [bytes([i]) for i in range(256)]
        for a, b in self.merges:
            self.vocab.append(self.vocab[a] + self.vocab[b])
        self._cache: dict[str, tuple[int, ...]] = {}

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)

    def train(self, text: str) -> ByteLevelBPE:
        """Learn up to ``n_merges`` merges from ``text`` (incremental pair counts)."""
        text = _check_text(text, "text")
        if not text:
            raise ValueError("text must not be empty")
        chunk_counts = Counter(pretokenize(text))
        words = [tuple(chunk.encode("utf-8")) for chunk in chunk_counts]
        freqs = list(chunk_counts.values())
        pair_counts: defaultdict[tuple[int, int], int] = defaultdict(int)
        where: defaultdict[tuple[int, int], set[int]] = defaultdict(set)  # pair -> word indices
        for w, (word, f) in enumerate(zip(words, freqs, strict=True)):
            for pair, c in _pairs(word).items():
                pair_counts[pair] += c * f
                where[pair].add(w)
        # max-heap of (-count, pair); stale entries are skipped when popped (lazy deletion)
        heap = [(-c, p) for p, c in pair_counts.items()]
        heapq.heapify(heap)
        merges: list[tuple[int, int]] = []
        while len(merges) < self.n_merges and heap:
            neg, pair = heapq.heappop(heap)
            if pair_counts.get(pair, 0) != -neg:
                continue  # stale: the count changed after this entry was pushed
            if -neg < 2:
                break  # nothing occurs twice: no merge would shorten the corpus
            new_id = 256 + len(merges)
            merges.append(pair)
            touched: set[tuple[int, int]] = set()
            for w in where.pop(pair):
                old, f = words[w], freqs[w]
                new = _merge(old, pair, new_id)
                for p, c in _pairs(old).items():
                    pair_counts[p] -= c * f
                    touched.add(p)
                    if p != pair:
                        where[p].discard(w)
                for p, c in _pairs(new).items():
                    pair_counts[p] += c * f
                    touched.add(p)
                    where[p].add(w)
                words[w] = new
            for p in touched:
                c = pair_counts[p]
                if c > 0:
                    heapq.heappush(heap, (-c, p))
                else:
                    del pair_counts[p]
                    where.pop(p, None)
        self.merges = merges
        self._build()
        return self

    def _encode_chunk(self, chunk: str) -> tuple[int, ...]:
        ids = self._cache.get(chunk)
        if ids is not None:
            return ids
        ids = tuple(chunk.encode("utf-8"))
        while len(ids) >= 2:
            # the earliest-learned merge present in the chunk is applied first, as in training
            pair = min(zip(ids, ids[1:], strict=False), key=lambda p: self.ranks.get(p, 1 << 62))
            if pair not in self.ranks:
                break
            ids = _merge(ids, pair, self.ranks[pair])
        if len(self._cache) < 200_000:
            self._cache[chunk] = ids
        return ids

    def encode(self, text: str) -> list[int]:
        """Token ids of ``text``: its chunks' bytes with the learned merges applied in order."""
        out: list[int] = []
        for chunk in pretokenize(text):
            out.extend(self._encode_chunk(chunk))
        return out

    def decode(self, ids) -> str:
        """The bytes of ``ids`` joined and read as UTF-8 (invalid sequences become U+FFFD).

        ``decode(encode(s)) == s`` for every ``str`` ``s``; a slice of ids can end inside a
        multi-byte character, which is where the replacement character appears.
        """
        ids = _check_ids(ids, self.vocab_size)
        return b"".join(self.vocab[i] for i in ids).decode("utf-8", errors="replace")

    def with_merges(self, k: int) -> ByteLevelBPE:
        """A copy that keeps only the first ``k`` merges (vocabulary ``256 + k``).

        BPE merges are learned greedily, so the first ``k`` merges of a long run are exactly
        what a run stopped after ``k`` merges would have learned.
        """
        from ..checks import check_positive_int

        k = check_positive_int(k, "k", minimum=0)
        if k > len(self.merges):
            raise ValueError(f"k must be <= the {len(self.merges)} merges learned, got {k}")
        tok = ByteLevelBPE(n_merges=k)
        tok.merges = self.merges[:k]
        tok._build()
        return tok

    def token_bytes(self, i: int) -> bytes:
        """The bytes that token ``i`` stands for."""
        return self.vocab[_check_ids([i], self.vocab_size)[0]]

    def _state(self) -> dict:
        return {"n_merges": self.n_merges, "merges": [list(p) for p in self.merges]}

    @classmethod
    def _from_state(cls, state):
        tok = cls(n_merges=state["n_merges"])
        tok.merges = [tuple(p) for p in state["merges"]]
        tok._build()
        return tok


_KINDS = {cls.kind: cls for cls in (CharTokenizer, WordTokenizer, ByteLevelBPE)}


def load(path) -> Tokenizer:
    """Read a tokenizer written by ``save`` (any of the three kinds).

    Raises
    ------
    ValueError
        If the file is not JSON or names no known tokenizer type.
    """
    path = Path(path)
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
        cls = _KINDS[state.pop("type")]
        return cls._from_state(state)
    except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"{path} is not a saved tokenizer ({type(exc).__name__}: {exc})") from exc


def bytes_per_token(tokenizer: Tokenizer, text: str) -> float:
    """UTF-8 bytes of ``text`` divided by the number of tokens it encodes to (higher = shorter)."""
    n = len(tokenizer.encode(text))
    if n == 0:
        raise ValueError("text encodes to no tokens")
    return len(_check_text(text, "text").encode("utf-8")) / n
