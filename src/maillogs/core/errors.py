"""One exception tree for the whole tool; each class carries its exit code.

The CLI maps these to exit codes in exactly one place (``cli/exitcodes.py``), so a
command never decides an exit code by itself. Exit codes follow ``sysexits.h``.
"""

from __future__ import annotations


class MaillogsError(Exception):
    """Base of every error maillogs reports to the user (one line, on stderr)."""

    exit_code = 1


class UsageError(MaillogsError):
    """The command line asks for something invalid or impossible."""

    exit_code = 2


class ProviderDataError(MaillogsError):
    """A provider answered with data we cannot parse (EX_DATAERR)."""

    exit_code = 65


class ProviderUnavailableError(MaillogsError):
    """A provider refused the request in a way retrying will not fix (EX_UNAVAILABLE)."""

    exit_code = 69


class NotFoundError(ProviderUnavailableError):
    """The thing asked for (a message id) does not exist at the provider."""

    exit_code = 69


class OutputError(MaillogsError):
    """The output file or stream cannot be written (EX_CANTCREAT)."""

    exit_code = 73


class TemporaryFailureError(MaillogsError):
    """Still failing after retries, or another run holds the lock (EX_TEMPFAIL)."""

    exit_code = 75


class AuthError(MaillogsError):
    """Authentication or permission refused by the provider (EX_NOPERM)."""

    exit_code = 77


class ConfigError(MaillogsError):
    """Configuration missing or invalid (EX_CONFIG)."""

    exit_code = 78


EXIT_INTERRUPTED = 130


class ArchiveError(MaillogsError):
    """The archive file is not one this maillogs can use: not SQLite, corrupt,
    or written by a newer maillogs (EX_DATAERR). It is never repaired silently."""

    exit_code = 65


class ArchiveMissingError(MaillogsError):
    """There is no archive to read yet (EX_NOINPUT)."""

    exit_code = 66
