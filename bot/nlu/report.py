"""The test command's outputs: the intent confusion chart and a self-contained HTML page.

The page has no external resources (inline CSS, charts embedded as base64 PNG), so it
can be mailed or attached to a ticket as one file.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from bot.nlu.scores import IntentReport
from handoff.evaluation import EvaluationError, GroupResult


@dataclass(frozen=True)
class Miss:
    """A held-out message whose intent the model got wrong."""

    text: str
    expected: str
    predicted: str
    confidence: float


@dataclass(frozen=True)
class StoryOutcome:
    """rasa's verdict on the test stories."""

    source: str
    total: int
    failed: int
    failed_stories: str  # rasa's failed_test_stories.yml, with its `# predicted:` notes


@dataclass
class TestReport:
    """Everything the test command found, filled in section by section."""

    model: str
    nlu: IntentReport | None = None
    nlu_source: str = ""
    misses: list[Miss] = field(default_factory=list)
    confusion_chart: Path | None = None
    stories: StoryOutcome | None = None
    handoff: list[GroupResult] | None = None
    handoff_source: str = ""
    handoff_chart: Path | None = None


def draw_intent_confusion(report: IntentReport, path: Path) -> None:
    """Save the confusion matrix (actual down, predicted across) as an image.

    Raises:
        EvaluationError: The image cannot be written.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    counts = np.array(report.confusion, dtype=float)
    totals = counts.sum(axis=1, keepdims=True)
    shares = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    size = max(4.0, 0.34 * len(report.labels) + 2.5)
    figure, axis = plt.subplots(figsize=(size + 1.2, size))
    image = axis.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    if len(report.labels) <= 40:
        for (y, x), count in np.ndenumerate(counts):
            if count:
                colour = "white" if shares[y, x] > 0.5 else "black"
                axis.text(x, y, str(int(count)), ha="center", va="center", color=colour, fontsize=7)
    ticks = range(len(report.labels))
    axis.set_xticks(ticks, report.labels, rotation=90, fontsize=7)
    axis.set_yticks(ticks, report.labels, fontsize=7)
    axis.set_xlabel("predicted")
    axis.set_ylabel("actual")
    axis.set_title(
        f"accuracy {report.accuracy:.3f}, macro-F1 {report.macro_f1:.3f} "
        f"({report.messages} messages)",
        fontsize=10,
    )
    figure.colorbar(image, ax=axis, fraction=0.04, label="share of the actual intent")
    figure.tight_layout()
    try:
        figure.savefig(path, dpi=110)
    except (OSError, ValueError) as error:
        raise EvaluationError(f"cannot write the chart {path}: {error}") from None
    finally:
        plt.close(figure)


_STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 70rem;
       padding: 0 1rem; color: #1d2430; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2.2rem; }
.summary { display: flex; gap: 1rem; flex-wrap: wrap; }
.card { border: 1px solid #d5dbe3; border-radius: 8px; padding: .7rem 1rem; min-width: 11rem; }
.card b { display: block; font-size: 1.4rem; }
.pass { color: #17693a; } .fail { color: #b3261e; }
table { border-collapse: collapse; margin: .6rem 0; }
th, td { padding: .25rem .7rem; border-bottom: 1px solid #e4e8ee; text-align: right; }
th:first-child, td:first-child { text-align: left; }
td.low { background: #fde8e6; } td.mid { background: #fff4d6; }
img { max-width: 100%; border: 1px solid #e4e8ee; }
pre { background: #f5f7fa; padding: .8rem; overflow-x: auto; font-size: 13px; }
.muted { color: #5c6675; }
"""


def write_html_report(report: TestReport, path: Path) -> None:
    """Write the report as one HTML file with its charts inside."""
    sections = [_summary(report), _intents(report), _stories(report), _handoff(report)]
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    page = (
        "<!doctype html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>Bot test report</title><style>{_STYLE}</style></head><body>"
        f"<h1>Bot test report</h1><p class='muted'>Model {_e(report.model)}, {stamp}</p>"
        + "".join(sections)
        + "</body></html>\n"
    )
    path.write_text(page, encoding="utf-8")


def _e(text: object) -> str:
    return html.escape(str(text))


def _image(path: Path | None, alt: str) -> str:
    if path is None or not path.is_file():
        return ""
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f"<p><img alt='{_e(alt)}' src='data:image/png;base64,{data}'></p>"


def _card(title: str, value: str, verdict: str = "") -> str:
    return f"<div class='card'>{_e(title)}<b class='{verdict}'>{_e(value)}</b></div>"


def _summary(report: TestReport) -> str:
    cards = []
    if report.nlu is not None:
        cards.append(_card("intent accuracy", f"{report.nlu.accuracy:.1%}"))
        cards.append(_card("intent macro-F1", f"{report.nlu.macro_f1:.3f}"))
    if report.stories is not None:
        s = report.stories
        verdict = "fail" if s.failed else "pass"
        cards.append(_card("stories passed", f"{s.total - s.failed} / {s.total}", verdict))
    if report.handoff:
        overall = report.handoff[-1].confusion
        cards.append(_card("handoff F1", f"{overall.f1:.3f}"))
    return f"<div class='summary'>{''.join(cards)}</div>"


def _shade(value: float) -> str:
    return "low" if value < 0.7 else "mid" if value < 0.9 else ""


def _intents(report: TestReport) -> str:
    if report.nlu is None:
        return ""
    rows = "".join(
        f"<tr><td>{_e(s.intent)}</td><td>{s.support}</td>"
        f"<td class='{_shade(s.precision)}'>{s.precision:.3f}</td>"
        f"<td class='{_shade(s.recall)}'>{s.recall:.3f}</td>"
        f"<td class='{_shade(s.f1)}'>{s.f1:.3f}</td></tr>"
        for s in report.nlu.intents
    )
    misses = "".join(
        f"<tr><td>{_e(m.text)}</td><td>{_e(m.expected)}</td><td>{_e(m.predicted)}</td>"
        f"<td>{m.confidence:.2f}</td></tr>"
        for m in report.misses
    )
    missed = (
        "<h3>Missed messages</h3><table><tr><th>message</th><th>expected</th>"
        f"<th>predicted</th><th>confidence</th></tr>{misses}</table>"
        if misses
        else "<p class='pass'>Every message got its intent.</p>"
    )
    return (
        f"<h2>Intents</h2><p class='muted'>On {_e(report.nlu_source)}: "
        f"{report.nlu.messages} messages.</p>"
        "<table><tr><th>intent</th><th>support</th><th>precision</th><th>recall</th>"
        f"<th>F1</th></tr>{rows}</table>{missed}"
        + _image(report.confusion_chart, "intent confusion matrix")
    )


def _stories(report: TestReport) -> str:
    s = report.stories
    if s is None:
        return "<h2>Stories</h2><p class='muted'>No test stories.</p>"
    head = f"<h2>Stories</h2><p class='muted'>From {_e(s.source)}.</p>"
    if not s.failed:
        return head + f"<p class='pass'>All {s.total} stories passed.</p>"
    return (
        head + f"<p class='fail'>{s.failed} of {s.total} stories failed; rasa marks each "
        "wrong prediction with <code># predicted: ...</code>.</p>"
        f"<pre>{_e(s.failed_stories)}</pre>"
    )


def _handoff(report: TestReport) -> str:
    if not report.handoff:
        return ""
    rows = "".join(
        f"<tr><td>{_e(r.name)}</td><td>{r.confusion.rows}</td><td>{r.confusion.positives}</td>"
        f"<td>{r.confusion.predicted_positives}</td><td>{r.confusion.precision:.3f}</td>"
        f"<td>{r.confusion.recall:.3f}</td><td>{r.confusion.f1:.3f}</td></tr>"
        for r in report.handoff
    )
    return (
        f"<h2>Handoff detector</h2><p class='muted'>On {_e(report.handoff_source)}.</p>"
        "<table><tr><th>group</th><th>rows</th><th>should escalate</th><th>escalated</th>"
        f"<th>precision</th><th>recall</th><th>F1</th></tr>{rows}</table>"
        + _image(report.handoff_chart, "handoff confusion matrices")
    )
