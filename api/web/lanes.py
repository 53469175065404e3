"""The script page's environment lanes: geometry for an SVG, from the script's history.

Each environment is a lane; each stretch of time it ran one version is a band labelled with
the version number (colour is never the only carrier of meaning); promotions and rollbacks
are labelled markers; a version a rollback quarantined is hatched. The history comes from
the read model (``Projections.history``), newest first, as the API's ``/history`` returns it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ledger.names import ENVIRONMENTS

PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#9c755f", "#76b7b2", "#e15759", "#edc948")
WIDTH, LEFT, RIGHT, TOP = 960, 110, 16, 8
LANE, GAP, AXIS = 34, 10, 30


@dataclass
class Band:
    environment: str
    version: int | None
    since: str
    until: str | None  # None: still running
    x: float
    width: float
    colour: str
    quarantined: bool = False
    #: Whether the number is drawn in the band (not when it would overprint its neighbour's;
    #: the band's title and the page's tables carry it then).
    labelled: bool = True

    @property
    def text(self) -> str:
        return "none" if self.version is None else f"v{self.version}"


@dataclass
class Marker:
    kind: str
    environment: str
    version: int | None
    time: str
    x: float
    actor: str | None
    reason: str | None
    incident: str | None
    override: bool
    labelled: bool = True

    @property
    def text(self) -> str:
        arrow = "↩" if self.kind == "rollback" else "▲"
        return f"{arrow} v{self.version}"


@dataclass
class Lanes:
    since: datetime
    until: datetime
    environments: list[str]
    bands: list[Band] = field(default_factory=list)
    markers: list[Marker] = field(default_factory=list)
    ticks: list[tuple[float, str]] = field(default_factory=list)
    cursor: float | None = None

    width: int = WIDTH
    left: int = LEFT
    right: int = RIGHT

    @property
    def height(self) -> int:
        return TOP + len(self.environments) * (LANE + GAP) + AXIS

    @property
    def axis_y(self) -> int:
        return TOP + len(self.environments) * (LANE + GAP)

    def lane_y(self, environment: str) -> int:
        return TOP + self.environments.index(environment) * (LANE + GAP)

    lane_height: int = LANE

    def x(self, moment: datetime) -> float:
        span = max((self.until - self.since).total_seconds(), 1e-6)
        inner = self.width - self.left - self.right
        offset = (min(max(moment, self.since), self.until) - self.since).total_seconds()
        return round(self.left + offset / span * inner, 2)


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def draw(history: list[dict[str, Any]], now: datetime, created: datetime | None = None,
         cursor: datetime | None = None) -> Lanes:
    """The lanes from ``history`` (newest first) up to ``now``; ``cursor`` marks an instant."""
    moves = [e for e in reversed(history) if e["kind"] in ("promote", "rollback")]
    times = [_time(e["time"]) for e in history] + ([created] if created else [])
    start = min(times) if times else now - timedelta(hours=1)
    if cursor is not None:
        start = min(start, cursor)
    end = max(now, cursor) if cursor is not None else now
    pad = max((end - start) * 0.03, timedelta(seconds=1))
    lanes = Lanes(since=start - pad, until=end + pad / 3, environments=list(ENVIRONMENTS))
    versions = sorted({e["version"] for e in moves if e["version"] is not None})
    colour = {v: PALETTE[i % len(PALETTE)] for i, v in enumerate(versions)}
    for environment in ENVIRONMENTS:
        own = [e for e in moves if e["environment"] == environment]
        quarantined: set[int] = set()
        for move in own:
            if move["kind"] == "rollback" and move.get("quarantined") is not None:
                quarantined.add(move["quarantined"])
            if move["kind"] == "promote":
                quarantined.discard(move["version"])
        still_quarantined = quarantined
        for index, move in enumerate(own):
            began = _time(move["time"])
            following = own[index + 1] if index + 1 < len(own) else None
            ended = _time(following["time"]) if following else None
            x0 = lanes.x(began)
            x1 = lanes.x(ended or lanes.until)
            rolled_back = following is not None and following["kind"] == "rollback"
            lanes.bands.append(Band(
                environment=environment, version=move["version"], since=move["time"],
                until=following["time"] if following else None, x=x0, width=round(max(x1 - x0, 2), 2),
                colour=colour.get(move["version"], "#999"),
                quarantined=rolled_back and move["version"] in still_quarantined,
            ))
            lanes.markers.append(Marker(
                kind=move["kind"], environment=environment, version=move["version"], time=move["time"],
                x=x0, actor=move.get("actor"), reason=move.get("reason"), incident=move.get("incident"),
                override=bool(move.get("override")),
            ))
    _declutter(lanes)
    for i in range(6):
        moment = lanes.since + (lanes.until - lanes.since) * i / 5
        lanes.ticks.append((lanes.x(moment), moment.isoformat()))
    if cursor is not None:
        lanes.cursor = lanes.x(cursor)
    return lanes


def _declutter(lanes: Lanes, room: float = 26, marker_room: float = 48) -> None:
    """Keep a label only where it does not overprint the previous one in its lane."""
    for environment in lanes.environments:
        last = -1e9
        for band in (b for b in lanes.bands if b.environment == environment):
            band.labelled = band.x - last >= room and band.width >= 12
            if band.labelled:
                last = band.x
        # A still-running band's label always shows (what runs now), moving its neighbour's.
        running = [b for b in lanes.bands if b.environment == environment]
        if running and not running[-1].labelled:
            running[-1].labelled = True
            for band in running[:-1]:
                if running[-1].x - band.x < room:
                    band.labelled = False
        last = -1e9
        for marker in (m for m in lanes.markers if m.environment == environment):
            marker.labelled = marker.x - last >= marker_room
            if marker.labelled:
                last = marker.x
