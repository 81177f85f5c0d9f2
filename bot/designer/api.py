"""The designers' HTTP JSON API, under /designer/api (the console's Review tab uses it).

GET  /designer/api/inbox                         missed messages, grouped, likely intents
POST /designer/api/inbox/assign {"message_ids", "intent", "new", "answer", "despite_warnings"}
                                                 write them as examples (a new intent's
                                                 answer per language and its rule too)
POST /designer/api/inbox/dismiss {"message_ids"} take them out of the inbox
GET  /designer/api/intents                       intents, their example counts and files
GET  /designer/api/templates                     answer templates per brand language
PUT  /designer/api/templates/<name> {"language", "texts", "remove_variants"}  set texts
GET  /designer/api/validate?rasa=1               `python -m bot validate`'s problems
GET  /designer/api/train                         the training run's progress
POST /designer/api/train                         train in the background, then hot-reload
GET  /designer/api/model                         the model answering now
POST /designer/api/model/reload                  load the model of the files as they are

Callers sign in as for the agents' API (bearer token or the console's cookie, with
the same anti-forgery rules); designers and supervisors may use it, agents may not.
Files are written one request at a time, with their comments and layout kept.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sanic import Blueprint, Request, response
from sanic.response import HTTPResponse

from bot.channels.base import read_body
from bot.designer import workbench
from bot.designer.inbox import ReviewStore, Suggestion, group, suggestions
from bot.designer.training import TrainingJob
from bot.engine.project import RasaProject
from bot.errors import BadRequest, EngineUnavailable, ModelMissing
from bot.validation import has_errors, project_problems, summary, validate_project
from bot.web.access import allow, caller
from bot.web.agents_api import AgentsApi
from bot.web.schemas import INBOX_ASSIGN, INBOX_DISMISS, TEMPLATE_TEXTS
from core.access import DESIGNERS

if TYPE_CHECKING:
    from bot.runtime import Runtime

T = TypeVar("T")
MAX_IDS = 200
SUGGESTION_SAMPLE = 5  # messages of a group asked of the model


class DesignerApi:
    """Routes for conversation designers, over the running `Runtime`."""

    def __init__(self, runtime: Runtime, agents_api: AgentsApi) -> None:
        self.runtime = runtime
        self.agents_api = agents_api
        self._files = asyncio.Lock()

    def blueprint(self) -> Blueprint:
        """Every route of the API."""
        api = Blueprint("designer_api", url_prefix="/designer/api")
        api.add_route(allow(DESIGNERS, self.inbox), "/inbox", methods=["GET"])
        api.add_route(allow(DESIGNERS, self.assign), "/inbox/assign", methods=["POST"])
        api.add_route(allow(DESIGNERS, self.dismiss), "/inbox/dismiss", methods=["POST"])
        api.add_route(allow(DESIGNERS, self.intents), "/intents", methods=["GET"])
        api.add_route(allow(DESIGNERS, self.templates), "/templates", methods=["GET"])
        api.add_route(allow(DESIGNERS, self.set_template), "/templates/<name:str>", methods=["PUT"])
        api.add_route(allow(DESIGNERS, self.validate), "/validate", methods=["GET"])
        api.add_route(allow(DESIGNERS, self.training_status), "/train", methods=["GET"])
        api.add_route(allow(DESIGNERS, self.train), "/train", methods=["POST"])
        api.add_route(allow(DESIGNERS, self.model), "/model", methods=["GET"])
        api.add_route(allow(DESIGNERS, self.reload), "/model/reload", methods=["POST"])
        return api

    # The inbox

    async def inbox(self, request: Request) -> HTTPResponse:
        """The messages waiting for review, in groups of look-alikes."""
        options = self.runtime.settings.designer
        missed = await self._reviews.missed(options.low_confidence)
        groups = await asyncio.to_thread(group, missed, options.group_similarity)
        listed = []
        for found in groups:
            likely = await self._suggestions([m.text for m in found.messages])
            listed.append(
                {
                    "id": found.messages[0].id,
                    "suggestions": [s.as_json() for s in likely],
                    "suggested_intent": likely[0].intent if likely else None,
                    "messages": [m.as_json(options.low_confidence) for m in found.messages],
                }
            )
        return response.json(
            {
                "total": len(missed),
                "languages": self.runtime.settings.brand.languages,
                "groups": listed,
            }
        )

    async def _suggestions(self, texts: list[str]) -> list[Suggestion]:
        """The model's three likeliest intents for a group (its first few messages)."""
        engine = self.runtime.engine
        if engine is None:
            return []
        rankings = []
        for text in texts[:SUGGESTION_SAMPLE]:
            parse = await engine.parse(text)
            ranking = parse.data.get("intent_ranking") or []
            rankings.append(
                [(str(r.get("name")), float(r.get("confidence") or 0.0)) for r in ranking]
            )
        return suggestions(rankings)

    async def assign(self, request: Request) -> HTTPResponse:
        """Write messages as examples of an intent (a new one with `new: true`)."""
        actor = caller(request)
        body = read_body(request, INBOX_ASSIGN)
        ids = _ids(body)
        intent = body["intent"]
        create, despite = _flag(body, "new"), _flag(body, "despite_warnings")
        low = self.runtime.settings.designer.low_confidence
        missed = await self._reviews.missed_by_id(ids, low)
        texts = [m.text for m in sorted(missed, key=lambda m: m.id)]  # oldest first
        warnings = await asyncio.to_thread(workbench.misfits, self._project(), intent, texts)
        if warnings and not despite:
            return response.json(
                {
                    "error": f"{warnings[0]} Send despite_warnings: true to add anyway.",
                    "warnings": warnings,
                },
                status=409,
            )
        languages = self.runtime.settings.brand.languages
        answer = None
        if body.get("answer") is not None:
            if not create:
                raise BadRequest("'answer' is for a new intent ('new': true)")
            answer = await asyncio.to_thread(
                workbench.check_answer, self._project(), intent, body["answer"], languages
            )
        written = await self._write(
            workbench.add_examples, self._project(), intent, texts, create=create
        )
        template, rules = None, None
        if answer is not None and written.created:
            template, rules = await self._write(
                workbench.add_answer, self._project(), written.intent, answer, languages
            )
        await self._reviews.record(
            ids, actor.id, "assigned", intent=written.intent, file=str(written.path)
        )
        return response.json(
            {
                "intent": written.intent,
                "file": str(written.path),
                "added": written.added,
                "new_intent": written.created,
                "reviewed": len(ids),
                "template": template,
                "rules_file": str(rules) if rules else None,
                "warnings": warnings,
            }
        )

    async def dismiss(self, request: Request) -> HTTPResponse:
        """Take messages out of the inbox without using them."""
        actor = caller(request)
        ids = _ids(read_body(request, INBOX_DISMISS))
        await self._reviews.missed_by_id(ids, self.runtime.settings.designer.low_confidence)
        await self._reviews.record(ids, actor.id, "dismissed")
        return response.json({"reviewed": len(ids)})

    # Intents and templates

    async def intents(self, request: Request) -> HTTPResponse:
        """The project's intents with their example counts and files."""
        return response.json(await asyncio.to_thread(workbench.intent_summary, self._project()))

    async def templates(self, request: Request) -> HTTPResponse:
        """The answer templates' texts per language, with the languages they lack."""
        languages = self.runtime.settings.brand.languages
        found = await asyncio.to_thread(workbench.template_summary, self._project(), languages)
        return response.json({"languages": languages, "templates": found})

    async def set_template(self, request: Request, name: str) -> HTTPResponse:
        """Set a template's texts in one language; it shows after the next training."""
        body = read_body(request, TEMPLATE_TEXTS)
        language = body["language"]
        texts = body["texts"]
        if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
            raise BadRequest("'texts' must be a list of strings")
        remove = body.get("remove_variants", False)
        if not isinstance(remove, bool):
            raise BadRequest("'remove_variants' must be true or false")
        languages = self.runtime.settings.brand.languages
        project = self._project()
        await self._write(
            workbench.set_template,
            project,
            name,
            language,
            texts,
            languages,
            remove_variants=remove,
        )
        found = await asyncio.to_thread(workbench.template_summary, project, languages)
        return response.json(next(t for t in found if t["name"] == name))

    # Validation, training and the model

    async def validate(self, request: Request) -> HTTPResponse:
        """The problems `python -m bot validate` reports (rasa's own checks with ?rasa=1)."""
        with_rasa = request.args.get("rasa", "1") not in ("0", "false", "no")
        problems = await asyncio.to_thread(
            validate_project, self.runtime.settings, with_rasa=with_rasa
        )
        return response.json(
            {"summary": summary(problems), "problems": [p.as_json() for p in problems]}
        )

    async def training_status(self, request: Request) -> HTTPResponse:
        """How the current or last training run is going."""
        return response.json(self._training.status.as_json())

    async def train(self, request: Request) -> HTTPResponse:
        """Start training; refused while the data has errors or another run is going."""
        problems = await asyncio.to_thread(project_problems, self._project(), self.runtime.settings)
        if has_errors(problems):
            return response.json(
                {
                    "error": "the data has errors; fix them first",
                    "problems": [p.as_json() for p in problems],
                },
                status=422,
            )
        return response.json(self._training.start().as_json(), status=202)

    async def model(self, request: Request) -> HTTPResponse:
        """The model answering now, and whether it was trained from the files as they are."""
        return response.json(await self._model_json())

    async def reload(self, request: Request) -> HTTPResponse:
        """Load the model trained from the files as they are now (trained already)."""
        settings = self.runtime.settings
        path = self._project().model_path(Path(settings.engine.model_dir))
        if not path.is_file():
            raise ModelMissing(f"no model for the current files ({path.name}); train first")
        await self.runtime.reload_model(path)
        return response.json(await self._model_json())

    # Inside

    @property
    def _reviews(self) -> ReviewStore:
        if self.runtime.store is None:
            raise EngineUnavailable("the bot is not running")
        return ReviewStore(self.runtime.store.engine, self.runtime.store.clock)

    @property
    def _training(self) -> TrainingJob:
        if self.runtime.training is None:
            raise EngineUnavailable("the bot is not running")
        return self.runtime.training

    def _project(self) -> RasaProject:
        settings = self.runtime.settings
        return RasaProject.from_settings(settings.project, settings.source)

    async def _write(self, work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a file-writing action in a worker thread, one at a time."""
        async with self._files:
            return await asyncio.to_thread(work, *args, **kwargs)

    async def _model_json(self) -> dict[str, Any]:
        engine = self.runtime.engine
        if engine is None:
            raise EngineUnavailable("the bot is not running")
        settings = self.runtime.settings
        current = await asyncio.to_thread(
            lambda: self._project().model_path(Path(settings.engine.model_dir))
        )
        return {
            "model": engine.model_name,
            "loaded_at": engine.loaded_at.isoformat() if engine.loaded_at else None,
            "reloads": engine.reloads,
            "up_to_date": current.name == engine.model_name,
            "trained": current.is_file(),
        }


def _flag(body: dict[str, Any], name: str) -> bool:
    value = body.get(name, False)
    if not isinstance(value, bool):
        raise BadRequest(f"'{name}' must be true or false")
    return value


def _ids(body: dict[str, Any]) -> list[int]:
    """The `message_ids` of a request: a non-empty list of distinct numbers."""
    ids = body.get("message_ids")
    if (
        not isinstance(ids, list)
        or not ids
        or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids)
    ):
        raise BadRequest("'message_ids' must be a non-empty list of message ids")
    if len(ids) > MAX_IDS:
        raise BadRequest(f"at most {MAX_IDS} messages at a time")
    return list(dict.fromkeys(ids))
