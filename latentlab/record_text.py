"""How training records read as text, in the terminal and in the app alike. Qt-free."""

from __future__ import annotations


def format_duration(seconds: float) -> str:
    """'4:05', or '1:02:03' from an hour on."""
    seconds = max(0, round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def format_losses(losses: dict[str, float]) -> str:
    """'total 102.5  kl 24.54': each loss to 4 significant digits."""
    return "  ".join(f"{name} {value:.4g}" for name, value in losses.items())
