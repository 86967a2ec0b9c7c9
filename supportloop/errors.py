"""The one exception family every stage raises for problems a user can fix.

The CLI prints these as a single line and exits non-zero; anything else is a bug and keeps its traceback.
"""


class SupportloopError(Exception):
    """A problem the user can act on; the message says what is wrong and, where possible, what to do."""


class ConfigError(SupportloopError):
    """The configuration file, an environment override or a value in them is invalid."""


class HomeError(SupportloopError):
    """The home directory cannot be created or written."""
