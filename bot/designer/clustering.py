"""Grouping similar messages, so a designer labels a dozen look-alikes at once.

Each message becomes a TF-IDF vector of character n-grams (robust to typos and
inflections, and language-agnostic); groups come from average-linkage agglomerative
clustering on cosine distance, cut where messages are less alike than `similarity`.
Pure and deterministic: the same messages give the same groups.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import pdist
from sklearn.feature_extraction.text import TfidfVectorizer


def group_texts(texts: Sequence[str], similarity: float = 0.25) -> list[list[int]]:
    """The indices of `texts`, grouped; larger groups first, then in input order.

    Args:
        texts: The messages.
        similarity: How alike (cosine similarity, 0-1) two groups must be on
            average to merge; higher makes smaller, tighter groups.
    """
    if len(texts) < 2:
        return [[index] for index in range(len(texts))]
    vectors = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(2, 4), lowercase=True, sublinear_tf=True
    ).fit_transform([text or " " for text in texts])
    distances = np.nan_to_num(pdist(vectors.toarray(), "cosine"), nan=1.0)
    labels = fcluster(linkage(distances, "average"), t=1.0 - similarity, criterion="distance")
    groups: dict[int, list[int]] = defaultdict(list)
    for index, label in enumerate(labels):
        groups[int(label)].append(index)
    return sorted(groups.values(), key=lambda members: (-len(members), members[0]))
