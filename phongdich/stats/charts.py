"""Bar charts drawn on the server as SVG geometry: the dashboard needs no JavaScript chart library.

Functions return plain numbers and labels; templates/stats/_bar_chart.html draws them (auto-escaped),
with a <title> per bar so that screen readers and hovering read the exact figure.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int
    label: str
    title: str
    label_x: float
    url: str = ""


@dataclass(frozen=True)
class Tick:
    y: float
    value: int


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    plot_left: int
    plot_right: int
    plot_top: int
    plot_bottom: int
    bars: list[Bar]
    ticks: list[Tick]
    label_rotate: bool

    @property
    def label_y(self) -> int:
        return self.plot_bottom + 16


def _nice_step(value: int, ticks: int = 4) -> int:
    """The smallest 1, 2 or 5 × 10^n step that covers value in at most `ticks` + 1 steps (axis ticks)."""
    if value <= 0:
        return 1
    magnitude = 1
    while True:
        for step in (1, 2, 5):
            if step * magnitude * (ticks + 1) >= value:
                return step * magnitude
        magnitude *= 10


def bar_chart(
    items: list[tuple[str, int, str, str]], *, width: int = 1000, height: int = 260, max_label: int = 14
) -> BarChart:
    """A vertical bar chart of (label, value, title, url) items, scaled to a round maximum."""
    rotate = len(items) > 12
    # Rotated labels run down-left from their bar: leave room for the first ones.
    left, right, top = (110 if rotate else 56), width - 10, 14
    bottom = height - (95 if rotate else 28)
    largest = max((value for _, value, _, _ in items), default=0)
    step = _nice_step(largest)
    top_value = step * max(1, -(-largest // step))
    plot_height = bottom - top
    slot = (right - left) / max(1, len(items))
    bar_width = max(2.0, slot * 0.7)
    bars = []
    for index, (label, value, title, url) in enumerate(items):
        bar_height = plot_height * value / top_value
        x = left + index * slot + (slot - bar_width) / 2
        short = label if len(label) <= max_label else label[: max_label - 1] + "…"
        bars.append(
            Bar(
                x=round(x, 1),
                y=round(bottom - bar_height, 1),
                width=round(bar_width, 1),
                height=round(bar_height, 1),
                value=value,
                label=short,
                title=title,
                label_x=round(x + bar_width / 2, 1),
                url=url,
            )
        )
    ticks = [
        Tick(y=round(bottom - plot_height * value / top_value, 1), value=value)
        for value in range(0, top_value + 1, step)
    ]
    return BarChart(
        width=width,
        height=height,
        plot_left=left,
        plot_right=right,
        plot_top=top,
        plot_bottom=bottom,
        bars=bars,
        ticks=ticks,
        label_rotate=rotate,
    )
