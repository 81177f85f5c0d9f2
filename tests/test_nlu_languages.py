"""`python -m bot test`'s results per language, from the held-out files' names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.nlu.testing import language_of_file, score_languages


def test_a_held_out_files_language_is_in_its_name() -> None:
    assert language_of_file(Path("tests/nlu/held_out_fr.yml"), "en") == "fr"
    assert language_of_file(Path("tests/nlu/held_out.yml"), "en") == "en"
    assert language_of_file(Path("tests/nlu/missed_in_production.yml"), "de") == "de"


def test_accuracy_and_macro_f1_are_given_per_language(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pairs = [("hi", "greet"), ("bye", "goodbye"), ("salut", "greet"), ("ciao", "goodbye")]
    languages = ["en", "en", "fr", "fr"]
    predicted = ["greet", "goodbye", "goodbye", "goodbye"]
    score_languages(pairs, languages, predicted, tmp_path)

    printed = capsys.readouterr().out
    assert "Intents per language" in printed
    summary = json.loads((tmp_path / "intent-languages.json").read_text())
    assert summary["en"] == {"messages": 2, "accuracy": 1.0, "macro_f1": 1.0}
    assert summary["fr"]["messages"] == 2 and summary["fr"]["accuracy"] == 0.5
    assert summary["fr"]["macro_f1"] == pytest.approx((0.0 + 2 / 3) / 2)
