"""Complaint topics: what escalated customers wrote, grouped by what it is about.

The customer messages of escalated threads, up to the moment of escalation, that the
detector read as complaining (`COMPLAINING`; a routine question asked before the
complaint is left out; messages it never scored count) are read as a bounded, evenly
spread sample (every k-th by id), turned into TF-IDF vectors of
words (scikit-learn) and grouped by agglomerative clustering (scipy). Each group is
named by its heaviest words, shown with its most frequent messages, and counted per
day (scaled back up by the sampling step) for its trend.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sqlalchemy as sa
from numpy.typing import NDArray
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform
from sklearn.feature_extraction.text import TfidfVectorizer
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.reports.filters import ReportFilter
from bot.reports.sql import part
from bot.store.schema import messages, threads

SAMPLE = 2000
COMPLAINING = 0.35  # the detector's complaint probability from which a message counts
MAX_TOPICS = 8
SIMILARITY = 0.12  # average cosine similarity of two groups' texts to merge them
EXAMPLES = 3
# Words too common in care messages to name a topic (several languages, our own list).
_STOP_TEXT = """
a an and are as at be been but by can could did do does for from had has have how i
i'm im is it it's its me my no not of on or our so still that the their them then
there this to too was we were what when where which who why will with would you your
yet just very really please hi hello hey get got been into about again already one
all any want der die das und ist nicht ich mein meine ein eine es zu mit auf noch
schon bitte sie wir le la les et est pas je mon ma mes un une de du des en pour que
qui avec toujours el los las y es no mi mis un una de del en por que con para ya
todavía
"""
STOP_WORDS = frozenset(_STOP_TEXT.split())


@dataclass(frozen=True)
class Sampled:
    """A sampled message: its text and the day it was written."""

    text: str
    day: str


async def complaint_topics(
    conn: AsyncConnection, report: ReportFilter, sample: int = SAMPLE
) -> dict[str, Any]:
    """The topics of the range's escalated messages, largest first."""
    condition = sa.and_(
        messages.c.author == "customer",
        threads.c.escalated_at.is_not(None),
        messages.c.created_at <= threads.c.escalated_at,
        sa.or_(messages.c.negativity.is_(None), messages.c.negativity >= COMPLAINING),
        *report.conditions(),
    )
    joined = messages.join(threads, messages.c.thread_id == threads.c.id)
    total = (
        await conn.execute(sa.select(sa.func.count()).select_from(joined).where(condition))
    ).scalar_one()
    step = max(1, math.ceil(int(total) / sample))
    query = sa.select(messages.c.text, part(messages.c.created_at, "day")).select_from(joined)
    if step > 1:
        query = query.where(messages.c.id % step == 0)
    rows = (await conn.execute(query.where(condition).order_by(messages.c.id))).all()
    found = group_topics([Sampled(str(text), str(day)) for text, day in rows], step)
    return {"messages": int(total), "sampled": len(rows), "step": step, "topics": found}


def group_topics(sampled: Sequence[Sampled], step: int = 1) -> list[dict[str, Any]]:
    """Group the sampled messages; each topic with its name, size, examples and trend.

    Identical texts are grouped first (each counts as often as it was written); the
    distinct texts are clustered by average linkage on the cosine distance of their
    TF-IDF vectors, cut where groups are less alike than `SIMILARITY`. The largest
    `MAX_TOPICS` groups are shown; the rest are summed up as one "other" topic.
    """
    by_text: dict[str, list[int]] = {}
    for index, message in enumerate(sampled):
        by_text.setdefault(message.text.strip().lower(), []).append(index)
    texts = list(by_text)
    if not texts:
        return []
    vectorizer = TfidfVectorizer(
        lowercase=True,
        ngram_range=(1, 1),
        sublinear_tf=True,
        stop_words=sorted(STOP_WORDS),
        token_pattern=r"(?u)\b[^\W\d_]{3,}\b",
    )
    try:
        vectors = vectorizer.fit_transform(texts)
    except ValueError:  # nothing but stop words
        return [_topic([i for ids in by_text.values() for i in ids], sampled, step, [])]
    terms = vectorizer.get_feature_names_out()
    labels = _clusters(vectors) if len(texts) > 1 else np.zeros(1, dtype=int)
    weights = np.array([len(by_text[text]) for text in texts], dtype=float)
    groups = sorted(
        (np.flatnonzero(labels == label) for label in np.unique(labels)),
        key=lambda members: -weights[members].sum(),
    )
    topics = []
    for members in groups[:MAX_TOPICS]:
        centre = np.asarray(vectors[members].T @ weights[members]).ravel()
        words = [str(terms[i]) for i in np.argsort(centre)[::-1][:4] if centre[i] > 0]
        ordered = members[np.argsort(-weights[members], kind="stable")]
        messages = [i for text_index in ordered for i in by_text[texts[text_index]]]
        topics.append(_topic(messages, sampled, step, words))
    rest = [i for members in groups[MAX_TOPICS:] for t in members for i in by_text[texts[t]]]
    if rest:
        topics.append({**_topic(rest, sampled, step, []), "name": "other", "examples": []})
    return topics


def _clusters(vectors: Any) -> NDArray[np.int64]:
    """Cluster labels of L2-normalised TF-IDF rows (average linkage, cosine distance)."""
    similarity = np.asarray((vectors @ vectors.T).todense())
    distance = np.clip(1.0 - similarity, 0.0, 2.0)
    np.fill_diagonal(distance, 0.0)
    tree = linkage(squareform(distance, checks=False), "average")
    return np.asarray(fcluster(tree, t=1.0 - SIMILARITY, criterion="distance"), dtype=np.int64)


def _topic(
    members: Sequence[int] | NDArray[np.int64],
    sampled: Sequence[Sampled],
    step: int,
    words: list[str],
) -> dict[str, Any]:
    chosen = [sampled[int(i)] for i in members]
    per_day = Counter(message.day for message in chosen)
    days = sorted(per_day)
    trend = [{"day": day, "messages": per_day[day] * step} for day in days]
    half = len(days) // 2
    earlier = sum(per_day[d] for d in days[:half])
    later = sum(per_day[d] for d in days[half:]) if half else 0
    examples: list[str] = []
    for message in chosen:
        if message.text not in examples:
            examples.append(message.text)
        if len(examples) == EXAMPLES:
            break
    return {
        "name": ", ".join(words) or "(no common words)",
        "words": words,
        "messages": len(chosen) * step,
        "examples": examples,
        "trend": trend,
        "change": _change(earlier, later) if half else "steady",
    }


def _change(earlier: int, later: int) -> str:
    """The second half of the range against the first."""
    if later > earlier * 1.25:
        return "rising"
    if earlier > later * 1.25:
        return "falling"
    return "steady"
