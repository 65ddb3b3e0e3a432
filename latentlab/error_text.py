"""What the user reads when something fails: never the text of an exception we did not expect."""

from __future__ import annotations


def user_message(error: BaseException, expected: tuple[type[BaseException], ...], what: str) -> str:
    """The one line an expected error (or an OSError) carries; for anything else, a sentence
    naming ``what`` failed and the exception's type: its text is for us, not for the user."""
    if isinstance(error, (*expected, OSError)):
        return str(error)
    return (
        f"{what}: an unexpected error ({type(error).__name__}). This is a bug in LatentLab; "
        "the file was not changed."
    )
