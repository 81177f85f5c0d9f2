"""Custom actions run in this process, so nobody has to start an action server."""

from __future__ import annotations

import functools
import json
from typing import Any

from rasa.utils.endpoints import ClientResponseError, EndpointConfig
from rasa_sdk.executor import ActionExecutor
from rasa_sdk.interfaces import ActionExecutionRejection, ActionNotFoundException


class InProcessActionEndpoint(EndpointConfig):  # type: ignore[misc]
    """rasa's action endpoint, answered by rasa-sdk's executor instead of over HTTP.

    rasa calls `request(json=...)` on its action endpoint and reads the answer as
    an action server's JSON; this class gives it exactly that, and reports
    rejections and unknown actions with the status codes an action server would use.
    """

    def __init__(self, package: str) -> None:
        super().__init__(url=f"in-process://{package}")
        self.package = package
        self.executor = ActionExecutor()
        self.executor.register_package(package)

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
            return await self.executor.run(kwargs["json"])
        except ActionExecutionRejection as error:
            body = json.dumps({"action_name": error.action_name, "error": error.message})
            raise ClientResponseError(400, "Bad Request", body) from error
        except ActionNotFoundException as error:
            body = json.dumps({"action_name": error.action_name, "error": error.message})
            raise ClientResponseError(404, "Not Found", body) from error

    def copy(self) -> InProcessActionEndpoint:
        """The same endpoint: the executor holds no per-request state."""
        return self


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
