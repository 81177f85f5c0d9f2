"""The designer's files: YAML written back with comments kept, and `validate`'s checks.

No server: these run the authoring functions on copies of the tiny rasa project
(tests/fixtures/tiny_project) and of the demo's own data.
"""

from __future__ import annotations

import difflib
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from bot.authoring import domain_file, yaml_files
from bot.authoring.problems import Problem, Severity
from bot.config import BrandSettings, DesignerSettings, Settings
from bot.designer import workbench
from bot.designer.clustering import group_texts
from bot.engine.project import RasaProject
from bot.project_directory import use_project_directory
from bot.validation import has_errors, validate_project
from core.errors import ConfigError, Conflict, NotFound
from handoff.default_templates import DEFAULT_TEXTS
from handoff.templates import REQUIRED, Templates
from tests.designer_servers import FIXTURE
from tests.servers import ROOT


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """A copy of the tiny rasa project, safe to write into."""
    directory = tmp_path / "tiny"
    shutil.copytree(FIXTURE, directory, ignore=shutil.ignore_patterns("models"))
    return directory


def settings_for(directory: Path, **designer: int) -> Settings:
    settings = use_project_directory(Settings(), directory, environ={})
    return replace(settings, designer=DesignerSettings(**designer))


def project_of(directory: Path) -> RasaProject:
    return RasaProject.from_settings(settings_for(directory).project)


def added_lines(before: str, after: str) -> list[str]:
    diff = difflib.ndiff(before.splitlines(), after.splitlines())
    changed = [line for line in diff if line[:2] in ("+ ", "- ")]
    assert all(line.startswith("+ ") for line in changed), changed  # nothing removed
    return [line[2:] for line in changed]


# Writing back


@pytest.mark.parametrize(
    "path",
    [
        *sorted((ROOT / "data").rglob("*.yml")),
        *sorted((FIXTURE / "data").rglob("*.yml")),
        FIXTURE / "domain.yml",  # rasa init's mixed indentation
        ROOT / "config" / "handoff.yml",
    ],
    ids=lambda path: str(path.relative_to(ROOT)),
)
def test_a_file_written_back_unchanged_is_byte_for_byte_the_same(
    path: Path, tmp_path: Path
) -> None:
    copy = tmp_path / path.name
    shutil.copy(path, copy)
    yaml_files.save(copy, yaml_files.load(copy))
    assert copy.read_text() == path.read_text()


def test_a_rasa_init_domain_keeps_its_mixed_indentation(tiny: Path) -> None:
    domain = tiny / "domain.yml"
    before = domain.read_text()
    domain_file.add_intent(domain, "repotting")
    domain_file.set_texts(domain, "utter_happy", "en", ["Lovely!", "Keep growing!"], "en")
    before = before.replace('  - text: "Lovely, keep growing!"\n', "")
    assert added_lines(before, domain.read_text()) == [
        "  - repotting",
        '  - text: "Lovely!"',
        '  - text: "Keep growing!"',
    ]


def test_an_example_goes_into_its_intents_file_and_every_comment_stays(tiny: Path) -> None:
    nlu = tiny / "data" / "nlu.yml"
    before = nlu.read_text()
    written = workbench.add_examples(project_of(tiny), "affirm", ["yes please", "YES  please"])
    after = nlu.read_text()

    assert written.path == nlu and written.added == 1 and not written.created
    assert added_lines(before, after) == ["    - yes please"]
    assert "- intent: affirm  # yes, in its many forms" in after
    assert "# Examples for each intent, as `rasa init` writes them." in after
    block = after.split("- intent: affirm")[1].split("- intent: deny")[0]
    assert block.rstrip().endswith("- yes please")  # at the end of its own intent
    assert after.count("\n\n- intent:") == before.count("\n\n- intent:")  # blank lines kept


def test_a_new_intent_gets_its_own_file_and_a_line_in_the_domain(tiny: Path) -> None:
    domain = tiny / "domain.yml"
    before = domain.read_text()
    written = workbench.add_examples(
        project_of(tiny), "repotting", ["when should I repot my monstera"], create=True
    )
    assert written.created and written.path == tiny / "data" / "nlu" / "repotting.yml"
    assert "- intent: repotting" in written.path.read_text()
    assert added_lines(before, domain.read_text()) == ["  - repotting"]
    assert "# The Greenhouse, a plant shop's small assistant." in domain.read_text()
    again = workbench.add_examples(project_of(tiny), "repotting", ["repot a cactus"])
    assert again.path == written.path and not again.created


def test_an_unknown_intent_is_created_only_on_request(tiny: Path) -> None:
    with pytest.raises(NotFound, match="no intent 'repotting'"):
        workbench.add_examples(project_of(tiny), "repotting", ["repot it"])


def test_an_example_of_another_intent_is_refused_with_where_it_is(tiny: Path) -> None:
    with pytest.raises(Conflict, match=r"already an example of 'greet' \(.*nlu.yml:\d+\)"):
        workbench.add_examples(project_of(tiny), "affirm", ["Hello there"])


def test_writing_into_the_demo_data_adds_one_line_and_nothing_else(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    project = RasaProject(
        config=ROOT / "config" / "pipeline.yml", domain=data / "domain.yml", data=(data,)
    )
    before = {p: p.read_text() for p in data.rglob("*.yml")}
    written = workbench.add_examples(project, "delivery_costs", ["what's the postage to wales"])
    assert written.path == data / "nlu" / "delivery.yml"
    for path, text in before.items():
        if path == written.path:
            assert added_lines(text, path.read_text()) == ["    - what's the postage to wales"]
        else:
            assert path.read_text() == text


def test_a_template_gets_a_language_with_comments_and_layout_kept(tmp_path: Path) -> None:
    domain = tmp_path / "domain.yml"
    shutil.copy(ROOT / "data" / "domain.yml", domain)
    before = domain.read_text()
    # Portuguese: a language the demo's templates are not written in yet.
    domain_file.set_texts(domain, "utter_goodbye", "pt", ["Até logo!"], "en")
    after = domain.read_text()
    assert added_lines(before, after) == [
        '    - text: "Até logo!"',
        "      metadata: {language: pt}",
    ]
    assert "# Every word a customer reads is here" in after
    found = domain_file.responses(yaml_files.load(domain), "en")["utter_goodbye"]
    assert [(v.text, v.language) for v in found][-1] == ("Até logo!", "pt")

    domain_file.set_texts(domain, "utter_goodbye", "en", ["Bye now!"], "en")
    found = domain_file.responses(yaml_files.load(domain), "en")["utter_goodbye"]
    assert [v.text for v in found if v.language == "en"] == ["Bye now!"]
    assert [v.text for v in found if v.language == "pt"] == ["Até logo!"]
    assert "\n\n  utter_you_are_welcome:" in domain.read_text()  # the blank line stayed


def test_the_handoff_notices_default_to_built_in_texts_for_a_foreign_domain() -> None:
    assert set(DEFAULT_TEXTS) == set(REQUIRED)
    templates = Templates.from_domain(FIXTURE / "domain.yml", "en")
    assert templates.defaulted == REQUIRED
    assert templates.render("utter_handoff_assigned", agent="Ana").text.startswith("Ana from")
    assert templates.responses["utter_greet"] == ["Hello! How are your plants today?"]
    assert Templates.from_domain(ROOT / "data" / "domain.yml", "en").defaulted == ()


# Validation: one test per kind of problem, each with its file and line


def lines_of(problems: list[Problem], severity: Severity) -> list[str]:
    return [str(p) for p in problems if p.severity is severity]


def test_a_valid_project_has_no_errors(tiny: Path) -> None:
    assert not has_errors(validate_project(settings_for(tiny), with_rasa=False))


def test_too_few_examples_is_a_warning_at_the_intents_line(tiny: Path) -> None:
    problems = validate_project(settings_for(tiny, min_examples=8), with_rasa=False)
    warnings = lines_of(problems, Severity.WARNING)
    nlu = tiny / "data" / "nlu.yml"
    assert f"{nlu}:27: warning: intent 'affirm' has 7 examples; at least 8 are recommended" in (
        "\n".join(warnings)
    )
    assert not any("'mood_unhappy' has" in w for w in warnings)  # 10 examples


def test_the_same_example_under_two_intents_is_an_error_naming_both_places(tiny: Path) -> None:
    nlu = tiny / "data" / "nlu.yml"
    nlu.write_text(nlu.read_text().replace("    - nope\n", "    - nope\n    - Good  morning\n"))
    (error,) = lines_of(validate_project(settings_for(tiny), with_rasa=False), Severity.ERROR)
    assert error == (
        f"{nlu}:46: error: 'Good  morning' is an example of both 'greet' ({nlu}:11) "
        "and 'deny'; keep it under one intent"
    )


def test_a_template_used_but_missing_is_an_error_where_it_is_used(tiny: Path) -> None:
    rules = tiny / "data" / "rules.yml"
    rules.write_text(rules.read_text().replace("action: utter_watering", "action: utter_water"))
    (error,) = lines_of(validate_project(settings_for(tiny), with_rasa=False), Severity.ERROR)
    assert (
        error
        == f"{rules}:18: error: 'utter_water' is used here but the domain has no such response"
    )


def test_a_template_missing_a_brand_language_is_an_error_at_the_template(tiny: Path) -> None:
    domain = tiny / "domain.yml"
    for name in ("utter_greet", "utter_cheer_up", "utter_did_that_help", "utter_happy"):
        domain_file.set_texts(domain, name, "fr", [f"({name} en français)"], "en")
    settings = replace(settings_for(tiny), brand=BrandSettings(languages=["en", "fr"]))
    errors = lines_of(validate_project(settings, with_rasa=False), Severity.ERROR)
    assert errors == [
        f"{domain}:{line}: error: response '{name}' has no text in fr (brand.languages: en, fr); "
        "add a variant with metadata: {language: fr}"
        for name, line in (("utter_goodbye", 35), ("utter_iamabot", 38), ("utter_watering", 41))
    ]


def test_handoff_problems_name_the_file_and_line(tiny: Path) -> None:
    handoff = tiny / "handoff.yml"
    handoff.write_text(
        "teams:\n  care: {name: Care}\n  billing: {name: Billing}\n"
        "agents:\n  - {login: ana, display_name: Ana, teams: [care]}\n"
        "  - {login: bo, display_name: Bo,\n     teams: [sales]}\n"
    )
    (error,) = lines_of(validate_project(settings_for(tiny), with_rasa=False), Severity.ERROR)
    assert error == f"{handoff}:7: error: agents[1].teams: team 'sales' is not under teams:"

    handoff.write_text(handoff.read_text().replace("[sales]", "[care]"))
    warnings = lines_of(validate_project(settings_for(tiny), with_rasa=False), Severity.WARNING)
    assert (
        f"{handoff}:3: warning: team 'billing' has no agents: threads routed to it wait" in warnings
    )


def test_a_foreign_domain_without_the_handoffs_notices_is_only_warned(tiny: Path) -> None:
    problems = validate_project(settings_for(tiny), with_rasa=False)
    (notice,) = [p for p in problems if "handoff's notices" in p.message]
    assert notice.severity is Severity.WARNING and notice.line == 14  # `responses:`
    assert "utter_handoff_queued" in notice.message


def test_broken_yaml_is_an_error_at_its_line(tiny: Path) -> None:
    nlu = tiny / "data" / "nlu.yml"
    nlu.write_text(nlu.read_text().replace("- intent: deny", "- intent: deny: [oops"))
    (error,) = [
        p
        for p in validate_project(settings_for(tiny), with_rasa=False)
        if p.severity is Severity.ERROR
    ]
    assert error.path == str(nlu) and error.line == 37 and "not valid YAML" in error.message


def test_a_project_directory_needs_rasas_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"no config\.yml"):
        use_project_directory(Settings(), tmp_path, environ={})


def test_the_environment_still_wins_over_the_project_directory(tiny: Path) -> None:
    settings = use_project_directory(
        Settings(), tiny, environ={"BOT_ENGINE_ENDPOINTS": "x.yml", "BOT_PROJECT_HANDOFF": "h.yml"}
    )
    assert settings.project.domain == str(tiny / "domain.yml")
    assert settings.engine.model_dir == str(tiny / "models")
    assert settings.engine.endpoints == Settings().engine.endpoints  # left to the variable
    assert settings.project.handoff == Settings().project.handoff
    plain = use_project_directory(Settings(), tiny, environ={})
    assert plain.project.handoff == "" and plain.engine.endpoints == str(tiny / "endpoints.yml")


# Grouping


def test_look_alike_messages_are_grouped_and_strangers_stay_apart() -> None:
    texts = [
        "do you sell gift cards",
        "is the oak table in stock",
        "gift card available?",
        "xqzv blorp",
        "can I buy a gift card",
        "oak table in stock?",
    ]
    groups = [[texts[i] for i in group] for group in group_texts(texts)]
    assert groups == [
        ["do you sell gift cards", "gift card available?", "can I buy a gift card"],
        ["is the oak table in stock", "oak table in stock?"],
        ["xqzv blorp"],
    ]
    assert group_texts([]) == [] and group_texts(["one"]) == [[0]]


# Languages at run time


async def test_rasas_answers_come_in_the_customers_language() -> None:
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.engine.language_nlg import LanguageTemplatedGenerator, endpoint

    domain = Domain.from_yaml(
        'version: "3.1"\nresponses:\n  utter_greet:\n  - text: Hello\n'
        "  - text: Bonjour\n    metadata: {language: fr}\n"
    )
    generator = LanguageTemplatedGenerator(endpoint("en"), domain)

    async def answers(language: str | None) -> set[str]:
        metadata = {"language": language} if language else {}
        tracker = DialogueStateTracker.from_events("c", [UserUttered("hi", metadata=metadata)])
        found = [await generator.generate("utter_greet", tracker, "rest") for _ in range(8)]
        return {answer["text"] for answer in found if answer}

    assert await answers("fr") == {"Bonjour"}
    assert await answers("en") == {"Hello"}
    assert await answers("de") == {"Hello"}  # not served: the default language
    assert await answers(None) == {"Hello"}


def test_the_handoffs_notices_are_read_in_the_default_language(tmp_path: Path) -> None:
    domain = tmp_path / "domain.yml"
    shutil.copy(ROOT / "data" / "domain.yml", domain)
    domain_file.set_texts(domain, "utter_rating_thanks", "fr", ["Merci !"], "en")
    templates = Templates.from_domain(domain, "en")
    assert "Merci !" not in templates.responses["utter_rating_thanks"]
    assert "Merci !" in Templates.from_domain(domain, "fr").responses["utter_rating_thanks"]
