"""The workflow's errors; one DRF exception handler maps them to responses."""



class WorkflowError(Exception):
    status = 400
    code = "invalid"

    def __init__(self, message: str, *, errors: dict | None = None, state: str | None = None,
                 code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or {}
        self.state = state
        if code:
            self.code = code


class NotAllowed(WorkflowError):
    """The verb is not allowed from the case's current state (or lost a race)."""

    status = 409
    code = "not_allowed_in_state"


class Forbidden(WorkflowError):
    status = 403
    code = "forbidden"


class Invalid(WorkflowError):
    status = 400
    code = "invalid"


class Unavailable(WorkflowError):
    """The act could not be completed for a passing reason (it is retried automatically)."""

    status = 503
    code = "issue_failed"
