"""The one error the portal answers with: an HTTP status, the reason code the CLI and the submission records use
(``too-large``, ``bad-name``, ``unclaimed``, ...), and a message naming the file and what is wrong."""

from __future__ import annotations


class PortalError(Exception):
    def __init__(self, status: int, reason: str, message: str, retry_after: int | None = None) -> None:
        self.status, self.reason, self.message, self.retry_after = status, reason, message, retry_after
        super().__init__(message)

    def to_json(self) -> dict[str, object]:
        return {"error": {"status": self.status, "reason": self.reason, "message": self.message}}


def not_found(what: str) -> PortalError:
    """The answer to anything the caller may not see, whether it exists or not: another agency's ids are never
    confirmed."""
    return PortalError(404, "not-found", f"no {what} of yours has this id")
