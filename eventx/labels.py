"""The label schema: the four event labels, their order and meaning.

Every other module takes the label order from here, so a multi-hot vector means
the same thing in the loader, the model head, the scorer and the saved model.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

LABELS: tuple[str, ...] = ("attack", "strike", "condemnation", "statement")
"""Label names in the fixed order used by multi-hot vectors and model heads."""

LABEL_DEFINITIONS: dict[str, str] = {
    "attack": (
        "A violent hostile act against people, forces, vessels or facilities other than a "
        "state's stand-off strike: all violence by non-state actors, and ground assaults, "
        "ambushes, shootings, bombings and massacres by anyone."
    ),
    "strike": (
        "A state's or coalition's armed forces hitting chosen targets from a distance (air, "
        "drone, missile, artillery or naval fire), or a targeted raid by state forces on a "
        "facility."
    ),
    "condemnation": (
        "An actor publicly disapproves of another's action: condemns, denounces, deplores, "
        "accuses, blames, lodges a formal protest."
    ),
    "statement": (
        "An identifiable actor's public communication is the news: the actor leads a verb of "
        "saying (said, announced, warned, urged, denied, told reporters)."
    ),
}
"""One-line definitions, condensed from the annotation guidelines (ANNOTATION.md)."""

LABEL2ID: dict[str, int] = {label: i for i, label in enumerate(LABELS)}
ID2LABEL: dict[int, str] = dict(enumerate(LABELS))


class UnknownLabelError(ValueError):
    """A label name that is not part of the schema."""


def check_labels(labels: Iterable[str]) -> list[str]:
    """Return the labels in schema order, raising on names outside the schema.

    Args:
        labels: Label names, in any order, possibly repeated.

    Returns:
        The distinct labels, sorted by schema order.

    Raises:
        UnknownLabelError: If a name is not one of `LABELS`.
    """
    seen = set()
    for label in labels:
        if label not in LABEL2ID:
            raise UnknownLabelError(f"unknown label {label!r}; expected one of {list(LABELS)}")
        seen.add(label)
    return [label for label in LABELS if label in seen]


def to_multi_hot(labels: Iterable[str]) -> list[int]:
    """Encode label names as a 0/1 vector in schema order."""
    present = set(check_labels(labels))
    return [int(label in present) for label in LABELS]


def from_multi_hot(vector: Sequence[float | int | bool]) -> list[str]:
    """Decode a 0/1 (or boolean) vector in schema order into label names."""
    if len(vector) != len(LABELS):
        raise ValueError(f"expected {len(LABELS)} values, got {len(vector)}")
    return [label for label, on in zip(LABELS, vector) if on]


def parse_label_list(spec: str | Sequence[str] | None) -> list[str]:
    """Parse a label subset such as ``"attack,strike"`` (CLI ``--labels``); None means all."""
    if spec is None:
        return list(LABELS)
    names = [s.strip() for s in spec.split(",")] if isinstance(spec, str) else list(spec)
    names = [n for n in names if n]
    if not names:
        raise UnknownLabelError("empty label list")
    return check_labels(names)
