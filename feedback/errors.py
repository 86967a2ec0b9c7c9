"""The exceptions the feedback store raises: every one names what is wrong and what to do about it."""

from supportloop.errors import SupportloopError


class FeedbackError(SupportloopError):
    """A problem with feedback data or with the feedback store."""


class InvalidEvent(FeedbackError):
    """An event (turn, rating, correction, ...) fails validation; nothing of it was written."""


class InvalidRating(InvalidEvent):
    """A rating has bad stars, both or neither of thumbs and stars, or a bad rater."""


class InvalidText(InvalidEvent):
    """A text field is empty, too long or not encodable as UTF-8."""


class FeedbackBusy(FeedbackError):
    """The database stayed locked by another process for longer than the caller was willing to wait."""


class JournalError(FeedbackError):
    """The journal could not be written or synced; the events of the failed call were not acknowledged."""


class SchemaError(FeedbackError):
    """The database schema is newer than this code, or could not be migrated."""
