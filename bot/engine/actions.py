"""Custom actions run in this process, so nobody has to start an action server."""

from __future__ import annotations

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
