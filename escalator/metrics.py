"""Prometheus text exposition without a dependency: counters we own plus gauges read live."""

from __future__ import annotations

from collections import defaultdict


def _labels(labels: dict[str, str]) -> str:
    if not labels:
        return ""
    inner = ",".join(f'{k}="{_escape(v)}"' for k, v in sorted(labels.items()))
    return "{" + inner + "}"


def _escape(value: str) -> str:
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


class Metrics:
    def __init__(self) -> None:
        self._counters: dict[str, dict[tuple[tuple[str, str], ...], float]] = defaultdict(dict)
        self._help: dict[str, str] = {}

    def inc(self, name: str, help_text: str, value: float = 1.0, **labels: str) -> None:
        self._help[name] = help_text
        key = tuple(sorted(labels.items()))
        self._counters[name][key] = self._counters[name].get(key, 0.0) + value

    def value(self, name: str, **labels: str) -> float:
        return self._counters.get(name, {}).get(tuple(sorted(labels.items())), 0.0)

    def render(self, gauges: dict[str, tuple[str, dict[tuple[tuple[str, str], ...], float]]]
               ) -> str:
        lines: list[str] = []
        for name, series in sorted(self._counters.items()):
            lines += [f"# HELP {name} {self._help[name]}", f"# TYPE {name} counter"]
            lines += [f"{name}{_labels(dict(k))} {v:g}" for k, v in sorted(series.items())]
        for name, (help_text, series) in sorted(gauges.items()):
            lines += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]
            lines += [f"{name}{_labels(dict(k))} {v:g}" for k, v in sorted(series.items())]
        return "\n".join(lines) + "\n"
