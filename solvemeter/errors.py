"""One exception family for everything a user can fix.

The CLI prints ``error: <what> — <how to fix>`` and exits 2 for these; anything else is a bug and raises.
"""


class SolvemeterError(Exception):
    """A problem the user can fix; the message is one sentence that says what and how."""


class PackError(SolvemeterError):
    """A pack or task on disk is malformed."""


class SandboxError(SolvemeterError):
    """A sandbox could not be created or broke: an infrastructure failure, not the agent's."""


class EndpointError(SolvemeterError):
    """A model endpoint could not be reached or kept failing after retries."""


class PriceError(SolvemeterError):
    """A model has no known price and the user did not pass --no-cost."""


class RunError(SolvemeterError):
    """A run directory or its records are inconsistent with what was asked."""


class SandboxRefused(SolvemeterError):
    """The agent asked the sandbox for something it does not allow (a path outside the workspace, a write to a
    read-only place). The agent's tools return this to the model as an observation: the request was the agent's,
    the sandbox worked as designed, so it is neither an infrastructure failure nor the end of the episode."""
