"""`python -m bot test`: the conversation designers' checks of the trained bot.

1. Intents: the project's model (trained into a temporary folder if the data
   changed, never into `models/`: what is served stays as it is) is asked about
   held-out messages, rasa NLU files under `tests/nlu/` that the model never trained
   on; without them, a fifth of the project's own examples is held out and a
   scratch model is trained on the rest. Per-intent precision and recall, and a
   confusion matrix. `nlu_fallback` counts as a miss: it is what the bot would do.
   A file named `*_<lang>.yml` (`held_out_fr.yml`) holds messages in that language,
   any other the brand's default language's: accuracy and macro-F1 per language too.
2. Stories: `tests/test_stories.yml` in rasa's test stories format, through rasa's
   own story evaluation (user texts go through the NLU, actions are predicted by the
   policies; custom actions are not run). A failed story fails the command.
3. Handoff: the detector on labelled CSV files under `tests/handoff/` (columns text
   and label; label `escalate` or `bot`), as `python -m bot handoff-eval` does.

Everything lands in `reports/`: `report.html` (self-contained), the charts, and
rasa's story results under `stories/`.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import Settings
from bot.engine.logs import quiet_rasa
from bot.nlu.offline import (
    NluModel,
    nlu_only_config,
    train_nlu_model,
    write_nlu_data,
)
from bot.nlu.report import (
    Miss,
    StoryOutcome,
    TestReport,
    draw_intent_confusion,
    write_html_report,
)
from bot.nlu.scores import format_intent_table, score_intents
from handoff.evaluation import EvaluationError, GroupResult

if TYPE_CHECKING:
    from bot.engine import RasaProject


DEFAULT_NLU = Path("tests/nlu")
DEFAULT_HANDOFF = Path("tests/handoff")


@dataclass(frozen=True)
class TestInputs:
    """Where the designers' test files are, and where the reports go.

    `nlu` and `handoff` name files or folders; None looks in the default folder, which
    may be missing, while a path given must exist.
    """

    nlu: Sequence[Path] | None = None
    stories: Path = Path("tests/test_stories.yml")
    handoff: Sequence[Path] | None = None
    output: Path = Path("reports")
    positive_labels: Sequence[str] = ("escalate",)


def run_tests(settings: Settings, inputs: TestInputs) -> int:
    """Run the three checks, print their results, write the reports; 1 if a story failed."""
    from bot.engine import RasaProject

    quiet_rasa()
    project = RasaProject.from_settings(settings.project, settings.source)
    inputs.output.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bot-test-model-") as scratch:
        model_path = model_for_testing(project, Path(settings.engine.model_dir), Path(scratch))
        report = TestReport(model=model_path.name)
        return _run_tests(settings, inputs, project, model_path, report)


def model_for_testing(project: RasaProject, model_dir: Path, scratch: Path) -> Path:
    """The served model of the current files if there is one, else one trained in `scratch`.

    Testing never trains into, or replaces anything in, `model_dir`: what the bot
    serves stays as it is.
    """
    from bot.engine import ensure_model

    served = project.model_path(model_dir)
    if served.is_file():
        return served
    print(
        f"No model in {model_dir} for the files as they are: training one for the tests "
        f"in a temporary folder ({model_dir} stays as it is).",
        flush=True,
    )
    return ensure_model(project, scratch)


def _run_tests(
    settings: Settings,
    inputs: TestInputs,
    project: RasaProject,
    model_path: Path,
    report: TestReport,
) -> int:
    with NluModel.open(model_path) as model:
        nlu_files = _files(inputs.nlu, DEFAULT_NLU, (".yml", ".yaml"))
        if nlu_files:
            report.nlu_source = ", ".join(str(path) for path in nlu_files)
            labelled = _labelled_messages(nlu_files, settings.brand.languages[0])
            pairs = [(text, intent) for text, intent, _ in labelled]
            predicted = _test_intents(model, pairs, report, inputs.output)
            languages = [language for _, _, language in labelled]
            score_languages(pairs, languages, predicted, inputs.output)
        else:
            report.nlu_source = "a fifth of the project's examples, held out"
            _test_intents_held_out(project, report, inputs.output)
        if inputs.stories.is_file():
            report.stories = _test_stories(model, inputs.stories, inputs.output / "stories")
    handoff_files = _files(inputs.handoff, DEFAULT_HANDOFF, (".csv",))
    if handoff_files:
        report.handoff_source = ", ".join(str(path) for path in handoff_files)
        report.handoff = _test_handoff(settings, handoff_files, inputs, report)
    html = inputs.output / "report.html"
    write_html_report(report, html)
    print(f"\nReport: {html}")
    if report.stories is None:
        print(f"No story tests: {inputs.stories} does not exist.")
        return 0
    return 1 if report.stories.failed else 0


def _files(paths: Sequence[Path] | None, default: Path, suffixes: tuple[str, ...]) -> list[Path]:
    """The files named, or found in the folders named (or in `default`, if it exists)."""
    found: set[Path] = set()
    for path in paths or [default]:
        if path.is_file():
            found.add(path)
        elif path.is_dir():
            found.update(p for p in path.rglob("*") if p.suffix in suffixes)
        elif paths:
            raise EvaluationError(f"no such file or folder: {path}")
    return sorted(found)


def language_of_file(path: Path, default_language: str) -> str:
    """The language of a test file's messages: `held_out_fr.yml` is French."""
    match = re.fullmatch(r".+_([a-z]{2})", path.stem)
    return match.group(1) if match else default_language


def _labelled_messages(paths: Sequence[Path], default_language: str) -> list[tuple[str, str, str]]:
    """(text, intent, language) of every intent example in rasa NLU files."""
    from rasa.shared.nlu.training_data.loading import load_data

    found = []
    for path in paths:
        language = language_of_file(path, default_language)
        for message in load_data(str(path)).intent_examples:
            if message.get("text") and message.get("intent"):
                found.append((str(message.get("text")), str(message.get("intent")), language))
    return found


def score_languages(
    pairs: Sequence[tuple[str, str]],
    languages: Sequence[str],
    predicted: Sequence[str],
    output: Path,
) -> None:
    """Print accuracy and macro-F1 per language; the same in `intent-languages.json`."""
    by_language: dict[str, tuple[list[str], list[str]]] = {}
    for (_, intent), language, guess in zip(pairs, languages, predicted, strict=True):
        actual, guessed = by_language.setdefault(language, ([], []))
        actual.append(intent)
        guessed.append(guess)
    scores = {
        language: score_intents(actual, guessed)
        for language, (actual, guessed) in sorted(by_language.items())
    }
    print("\nIntents per language:")
    print(f"{'language':<10}{'messages':>9}{'accuracy':>10}{'macro-F1':>10}")
    for language, scored in scores.items():
        print(f"{language:<10}{scored.messages:>9}{scored.accuracy:>10.3f}{scored.macro_f1:>10.3f}")
    summary = {
        language: {"messages": s.messages, "accuracy": s.accuracy, "macro_f1": s.macro_f1}
        for language, s in scores.items()
    }
    (output / "intent-languages.json").write_text(json.dumps(summary, indent=2) + "\n")


def _test_intents(
    model: NluModel, pairs: Sequence[tuple[str, str]], report: TestReport, output: Path
) -> list[str]:
    """Score the model on (text, intent) pairs into `report`; the predicted intents."""
    from tqdm import tqdm

    predictions = [
        model.predict(text) for text, _ in tqdm(pairs, desc="intents", unit="msg", file=sys.stderr)
    ]
    actual = [intent for _, intent in pairs]
    report.nlu = score_intents(actual, [p.intent for p in predictions])
    report.misses = [
        Miss(text, intent, p.intent, p.confidence)
        for (text, intent), p in zip(pairs, predictions, strict=True)
        if p.intent != intent
    ]
    report.confusion_chart = output / "intent-confusion.png"
    draw_intent_confusion(report.nlu, report.confusion_chart)
    print(f"\nIntents, on {report.nlu_source}:")
    print(format_intent_table(report.nlu))
    for miss in report.misses:
        print(f"  missed: {miss.text!r}: {miss.expected} -> {miss.predicted} {miss.confidence:.2f}")
    print(f"Confusion matrix: {report.confusion_chart}")
    return [p.intent for p in predictions]


def _test_intents_held_out(project: RasaProject, report: TestReport, output: Path) -> None:
    """Train a scratch model on four fifths of the project's NLU data, test on the rest."""
    from rasa.shared.importers.importer import TrainingDataImporter

    importer = TrainingDataImporter.load_from_config(
        str(project.config), str(project.domain), [str(p) for p in project.data]
    )
    train, test = importer.get_nlu_data().train_test_split(train_frac=0.8, random_seed=1)
    with tempfile.TemporaryDirectory(prefix="bot-test-") as scratch:
        folder = Path(scratch)
        write_nlu_data(train, folder / "nlu.yml")
        nlu_only_config(project.config, folder / "config.yml")
        model_path, _ = train_nlu_model(folder / "config.yml", folder / "nlu.yml", folder, "m")
        pairs = [(str(m.get("text")), str(m.get("intent"))) for m in test.intent_examples]
        with NluModel.open(model_path) as model:
            _test_intents(model, pairs, report, output)


def _test_stories(model: NluModel, stories: Path, output: Path) -> StoryOutcome:
    """Run rasa's story evaluation; keep the failed stories as rasa annotates them."""
    from rasa.core.test import test as evaluate_stories

    output.mkdir(parents=True, exist_ok=True)
    result = model.run(
        evaluate_stories(
            str(stories), model.agent, out_directory=str(output), disable_plotting=True
        )
    )
    counts = result["report"].get("conversation_accuracy", {})
    total, correct = int(counts.get("total", 0)), int(counts.get("correct", 0))
    failed_file = output / "failed_test_stories.yml"
    failed_text = failed_file.read_text() if failed_file.is_file() and total > correct else ""
    outcome = StoryOutcome(str(stories), total, total - correct, failed_text)
    print(f"\nStories, from {stories}: {correct} of {total} passed.")
    if failed_text:
        print(f"Failed stories (rasa's annotations: `# predicted: ...`):\n{failed_text}")
    return outcome


def _test_handoff(
    settings: Settings, paths: Sequence[Path], inputs: TestInputs, report: TestReport
) -> list[GroupResult]:
    from bot.engine import RasaProject
    from handoff.detection import Detector
    from handoff.evaluation import (
        decide_all,
        draw_confusion,
        format_table,
        read_labelled,
        summarise,
    )
    from handoff.settings import load_handoff_settings

    rows = read_labelled(paths, "text", "label", inputs.positive_labels)
    detection = load_handoff_settings(settings.project.handoff).detection
    project = RasaProject.from_settings(settings.project, settings.source)
    examples = Path(settings.project.handoff_examples)
    detector = Detector.from_settings(detection, examples, project.files())
    results = summarise(rows, decide_all(detector, rows))
    report.handoff_chart = inputs.output / "handoff-confusion.png"
    draw_confusion(results, report.handoff_chart)
    print(f"\nHandoff detector, on {report.handoff_source}:")
    print(format_table(results))
    return results
