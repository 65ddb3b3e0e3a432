"""What an interactive decode is for: one frozen record per purpose, sent with the request
and handed back with its images, so each listener picks its results by type.

Each purpose names its decoder ``channel``: a channel holds one pending request, and a new
one replaces it (latest request wins). Qt-free records, so they live in the core (beside the
explorer state whose preview, keypoints and map they fill), not in ui/.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from latentlab.latent.recipes import Recipe


class DecodePurpose:
    """Base of the purposes; ``channel`` is the decoder queue it waits in."""

    channel: ClassVar[str]


@dataclass(frozen=True)
class PreviewDecode(DecodePurpose):
    """The Preview panel's image, captioned ``description``, made by ``recipe``."""

    channel: ClassVar[str] = "preview"
    description: str
    recipe: Recipe


@dataclass(frozen=True)
class InterpolationFrameDecode(DecodePurpose):
    """The interpolation's current frame."""

    channel: ClassVar[str] = "interpolation"


@dataclass(frozen=True)
class InterpolationStripDecode(DecodePurpose):
    """Every frame of the interpolation strip."""

    channel: ClassVar[str] = "strip"


@dataclass(frozen=True)
class HoverDecode(DecodePurpose):
    """The reconstruction of the hovered map point (row ``index`` of the map's points)."""

    channel: ClassVar[str] = "hover"
    index: int


@dataclass(frozen=True)
class KeypointDecode(DecodePurpose):
    """Interpolation keypoint ``index`` (0 = A), captioned ``source``."""

    channel: ClassVar[str] = "keypoint"
    index: int
    source: str


@dataclass(frozen=True)
class BackdropDecode(DecodePurpose):
    """Tiles of the map's visible ``region`` (x0, y0, width, height), ``rows`` × ``columns``,
    row 0 at the top."""

    channel: ClassVar[str] = "backdrop"
    region: tuple[float, float, float, float]
    rows: int
    columns: int


@dataclass(frozen=True)
class AttributeStripDecode(DecodePurpose):
    """The attribute strip: the base plus each of ``strengths`` times the vector."""

    channel: ClassVar[str] = "attribute_strip"
    strengths: tuple[float, ...]


@dataclass(frozen=True)
class ClassRowDecode(DecodePurpose):
    """A conditional model's "every class" row: the preview's latent decoded as each class."""

    channel: ClassVar[str] = "class_row"


@dataclass(frozen=True)
class StyleMixDecode(DecodePurpose):
    """The Style mixing panel's mix of A and B."""

    channel: ClassVar[str] = "style_mix"


@dataclass(frozen=True)
class StyleCrossoverDecode(DecodePurpose):
    """The Style mixing panel's crossovers: k coarsest levels from A, the rest from B."""

    channel: ClassVar[str] = "style_crossovers"


@dataclass(frozen=True)
class StyleTraversalDecode(DecodePurpose):
    """The Style mixing panel's traversal at one resolution, at each of ``values``."""

    channel: ClassVar[str] = "style_traversal"
    values: tuple[float, ...]


# Served first when several channels wait: what the user is looking at right now. The rest
# (attribute strips, backdrops, interpolation strips) follows in the order asked.
INTERACTIVE_PURPOSES: tuple[type[DecodePurpose], ...] = (
    PreviewDecode,
    InterpolationFrameDecode,
    HoverDecode,
    KeypointDecode,
)
