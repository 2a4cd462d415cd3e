"""The one error the portal answers with: an HTTP status, the reason code the CLI and the submission records use
(``too-large``, ``bad-name``, ``unclaimed``, ...), and a message naming the file and what is wrong."""

from __future__ import annotations


class PortalError(Exception):
    """``message_fr``: the message in French, for pages in French and API callers sending ``Accept-Language:
    fr``; without it, the English one is given to every caller."""

    def __init__(self, status: int, reason: str, message: str, retry_after: int | None = None,
                 message_fr: str | None = None) -> None:
        self.status, self.reason, self.message, self.retry_after = status, reason, message, retry_after
        self.message_fr = message_fr
        super().__init__(message)

    def message_in(self, lang: str) -> str:
        return self.message_fr if lang == "fr" and self.message_fr else self.message

    def to_json(self, lang: str = "en") -> dict[str, object]:
        return {"error": {"status": self.status, "reason": self.reason, "message": self.message_in(lang)}}


def not_found(what: str) -> PortalError:
    """The answer to anything the caller may not see, whether it exists or not: another agency's ids are never
    confirmed."""
    return PortalError(404, "not-found", f"no {what} of yours has this id",
                       message_fr=f"aucun élément de ce type ({what}) ne porte cet identifiant chez vous")
