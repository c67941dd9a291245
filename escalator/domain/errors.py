"""One error hierarchy, so callers can tell recoverable failures from bugs."""

from __future__ import annotations


class EscalatorError(Exception):
    """Base of every error the service raises on purpose."""


class ConfigError(EscalatorError):
    """A configuration problem a person must fix; carries every problem found.

    Each problem is text (the English sentence `config check` prints); most are an
    `escalator.config.problem.ConfigProblem`, which also holds the reason code and
    parameters to say it in the reader's language. `warnings` come along from the
    same load (shown with the problems, they do not fail it).
    """

    def __init__(self, problems: list[str], warnings: list[str] | None = None) -> None:
        self.problems = list(problems)
        self.warnings = list(warnings or ())
        super().__init__("\n".join(self.problems))


class IntakeError(EscalatorError):
    """A malformed event; the sender gets a 4xx with this text."""


class ActionError(EscalatorError):
    """An action that cannot be applied (unknown incident, bad action name)."""


class NotifyError(EscalatorError):
    """A delivery failed.

    `recoverable` failures (timeouts, 5xx, 429) are retried on the same
    channel, after `retry_after` seconds when the far end said so; the others
    fall through to the party's next contact method.

    `kind` says what went wrong in a word a reader's sentence is made from
    (`FAILURES`); the message is the technical detail for logs and the API.
    """

    def __init__(self, message: str, *, recoverable: bool, retry_after: float | None = None,
                 kind: str = "error"):
        super().__init__(message)
        self.recoverable = recoverable
        self.retry_after = retry_after
        self.kind = kind if kind in FAILURES else "error"


# What went wrong with a send, as stored in a timeline entry (`failure=`) and
# rendered per reader from the catalogues (`failure.*` keys, escalator.i18n.explain.failure).
FAILURES = frozenset({
    "timeout",        # no answer within the send timeout
    "unreachable",    # no connection to the far end
    "busy",           # the far end answered 5xx, 429 or "try again later"
    "refused",        # the far end refused this message for good
    "bad_address",    # the address or number was not accepted
    "not_set_up",     # a secret is missing or the channel is not running
    "not_carried",    # this kind of notice is not sent this way
    "down_too_long",  # held by the channel past fallback_after
    "kept_failing",   # retried until fallback_after without success
    "not_answered",   # accepted, but nobody answered (a phone call with no key pressed)
    "no_contact",     # the party or its contact is gone from the config
    "crashed",        # a fault in our own channel code
    "error",          # none of the above
})


class StorageError(EscalatorError):
    """The store could not persist or read; intake answers 503 so senders retry."""


class StorageBusy(StorageError):
    """The database is locked or the store is backed up: answer 503 at once, don't queue."""


class StorageConflict(StorageError):
    """A uniqueness rule refused the write (e.g. another instance opened the incident
    first); running the unit of work again sees the other side's row."""


class StoreLocked(StorageError):
    """Another escalator already runs on this SQLite file; a second one must not start."""


class UnstorableError(StorageError):
    """The store refused this data itself (not an outage): retrying cannot help.

    Intake answers it with a permanent refusal and the reason (HTTP 422, SMTP
    554, SIA DUH) instead of the "retry later" an outage gets, so a sender
    is never told to retry a poison event for ever. Callers that do not look
    for it still see a StorageError.
    """
