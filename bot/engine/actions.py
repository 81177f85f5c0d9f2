"""Custom actions run in this process, so nobody has to start an action server.

Each action has a time limit (`engine.action_timeout_seconds`) and never blocks the
engine's loop: synchronous actions run on threads of their own
(`bot.engine.action_threads`), asynchronous ones are bounded by `asyncio.wait_for`.
An action that raises or runs out of time answers, in its place, a `handoff` payload
with a `fault` (as `action_handoff` answers a request for a person): the pipeline
apologises to the customer and hands the thread to a person, "the bot failed".
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.utils.endpoints import ClientResponseError, EndpointConfig
from rasa_sdk.executor import ActionExecutor
from rasa_sdk.interfaces import ActionExecutionRejection, ActionNotFoundException

from bot.engine.action_threads import ActionThreads
from core import timing

logger = logging.getLogger(__name__)

BOT_FAILED = "the bot failed"
ActionRun = Callable[[Any, Any, Any], Any]


class ActionFault(Exception):
    """A custom action raised or ran out of time; `detail` says which and how."""

    def __init__(self, action_name: str, detail: str) -> None:
        super().__init__(f"{action_name} {detail}")
        self.action_name = action_name
        self.detail = detail

    def answer(self) -> dict[str, Any]:
        """An action server's answer asking the framework to hand the thread over."""
        handoff = {"reason": f"{BOT_FAILED} ({self})", "fault": str(self)}
        return {"events": [], "responses": [{"custom": {"handoff": handoff}}]}


class InProcessActionEndpoint(EndpointConfig):  # type: ignore[misc]
    """rasa's action endpoint, answered by rasa-sdk's executor instead of over HTTP.

    rasa calls `request(json=...)` on its action endpoint and reads the answer as
    an action server's JSON; this class gives it exactly that, and reports
    rejections and unknown actions with the status codes an action server would use.

    Args:
        package: The custom actions' package.
        time_limit: Seconds an action may take.
    """

    def __init__(self, package: str, time_limit: float = 5.0) -> None:
        super().__init__(url=f"in-process://{package}")
        self.package = package
        self.time_limit = time_limit
        self.threads = ActionThreads()
        self.executor = ActionExecutor()
        self.executor.register_package(package)
        self.executor.actions = {
            name: self._bounded(name, run) for name, run in self.executor.actions.items()
        }

    async def request(
        self,
        method: str = "post",
        subpath: str | None = None,
        content_type: str | None = "application/json",
        compress: bool = False,
        **kwargs: Any,
    ) -> Any:
        """Run the action named in the request body and return the server's answer."""
        try:
            with timing.stage("engine.actions"):
                return await self.executor.run(kwargs["json"])
        except ActionExecutionRejection as error:
            body = json.dumps({"action_name": error.action_name, "error": error.message})
            raise ClientResponseError(400, "Bad Request", body) from error
        except ActionNotFoundException as error:
            body = json.dumps({"action_name": error.action_name, "error": error.message})
            raise ClientResponseError(404, "Not Found", body) from error
        except ActionFault as fault:
            logger.error("Custom action %s; the thread goes to a person.", fault)
            return fault.answer()

    def copy(self) -> InProcessActionEndpoint:
        """The same endpoint: the executor holds no per-request state."""
        return self

    def _bounded(self, name: str, run: ActionRun) -> Callable[..., Awaitable[Any]]:
        """`run` within the time limit, off the loop when it is synchronous."""
        limit = self.time_limit

        async def bounded(dispatcher: Any, tracker: Any, domain: Any) -> Any:
            try:
                if inspect.iscoroutinefunction(run):
                    return await asyncio.wait_for(run(dispatcher, tracker, domain), limit)
                work = functools.partial(run, dispatcher, tracker, domain)
                return await self.threads.run(work, limit)
            except ActionExecutionRejection:
                raise  # a form's "not this action": rasa tries another
            except (asyncio.TimeoutError, TimeoutError):
                raise ActionFault(name, f"took longer than {limit:g} s") from None
            except Exception as error:
                logger.debug("Custom action %s raised.", name, exc_info=True)
                raise ActionFault(name, f"raised {type(error).__name__}: {error}") from error

        return bounded


def validate_action_results_with_a_compiled_schema() -> None:
    """Make rasa check custom actions' answers with a validator built once.

    rasa 3.6's `RemoteAction._validate_action_result` calls `jsonschema.validate`,
    which checks the schema itself before every answer: about 35 ms per custom action
    on these machines, a quarter of the CPU a message costs. The checks and the error
    are unchanged; only the schema's own check is done once instead of every time.
    """
    from jsonschema import ValidationError
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    if getattr(RemoteAction._validate_action_result, "compiled", False):
        return
    schema = RemoteAction.action_response_format_spec()
    validator = validator_for(schema)(schema)
    original = RemoteAction._validate_action_result

    @functools.wraps(original)
    def validate(self: RemoteAction, result: dict[str, Any]) -> bool:
        try:
            validator.validate(result)
        except ValidationError as error:
            error.message += (
                ". Failed to validate Action server response from API, make sure your"
                " response from the Action endpoint is valid."
            )
            raise
        return True

    validate.compiled = True  # type: ignore[attr-defined]
    RemoteAction._validate_action_result = validate
