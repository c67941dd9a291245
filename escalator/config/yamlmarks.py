"""YAML that remembers where everything came from.

A facility manager fixes a configuration by reading `file:line`, so every
mapping key and sequence item keeps its line. PyYAML silently lets a repeated
key overwrite the first one; in a hand-edited ladder that hides a mistake, so
duplicates are reported instead.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, SequenceNode

from escalator.config.problem import ConfigProblem, Phrase, phrase
from escalator.domain.errors import ConfigError

MERGE_TAG = "tag:yaml.org,2002:merge"
# Nodes that aliases (`*name`, `<<: *name`) may add to the document, counted as if each
# alias were written out. Real configs share a contact or some hours: hundreds of nodes.
# A "billion laughs" chain (ten aliases of ten aliases of ...) multiplies by ten per
# level: refused when the running total passes this, in microseconds, at the alias's line.
MAX_ALIAS_NODES = 20_000


class AliasBomb(Exception):
    """Aliases would expand the document past MAX_ALIAS_NODES (raised while composing)."""

    def __init__(self, line: int, nodes: int) -> None:
        super().__init__(f"aliases expand to more than {nodes} nodes at line {line}")
        self.line = line
        self.nodes = nodes


class MarkedMap(dict):
    """A mapping whose keys know their line (1-based) in the source text."""

    def __init__(self, line: int = 1) -> None:
        super().__init__()
        self.line = line
        self.key_lines: dict[Any, int] = {}

    def key_line(self, key: Any) -> int:
        return self.key_lines.get(key, self.line)


class MarkedList(list):
    """A sequence whose items know their line (1-based) in the source text."""

    def __init__(self, line: int = 1) -> None:
        super().__init__()
        self.line = line
        self.lines: list[int] = []

    def item_line(self, index: int) -> int:
        return self.lines[index] if index < len(self.lines) else self.line


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


class MarkedLoader(yaml.SafeLoader):
    """SafeLoader building MarkedMap/MarkedList and collecting duplicate keys."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[tuple[int, ConfigProblem]] = []
        self._expanded = 0  # nodes the aliases so far stand for
        self._sizes: dict[int, int] = {}  # id(node) -> nodes under it, aliases written out

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        """Count what each alias stands for before it is used (see MAX_ALIAS_NODES)."""
        if self.check_event(AliasEvent):
            event = self.peek_event()
            node = self.anchors.get(event.anchor)
            if node is not None:
                self._expanded += self._size(node)
                if self._expanded > MAX_ALIAS_NODES:
                    raise AliasBomb(event.start_mark.line + 1, MAX_ALIAS_NODES)
        return super().compose_node(parent, index)  # type: ignore[no-any-return]

    def _size(self, root: yaml.Node) -> int:
        """Nodes under `root` as if every alias were written out; memoised per node, so
        a chain of aliases costs one visit per distinct node. Capped early: a count past
        the limit is as good as any bigger one."""
        stack: list[tuple[yaml.Node, bool]] = [(root, False)]
        on_path: set[int] = set()
        while stack:
            node, done = stack.pop()
            key = id(node)
            if done:
                on_path.discard(key)
                self._sizes[key] = min(MAX_ALIAS_NODES + 1, 1 + sum(
                    self._sizes.get(id(c), 0) for c in _children(node)))
                continue
            if key in self._sizes or key in on_path:  # known, or a recursive alias
                continue
            on_path.add(key)
            stack.append((node, True))
            stack.extend((c, False) for c in _children(node) if id(c) not in self._sizes)
        return self._sizes.get(id(root), 1)

    def construct_marked_map(self, node: MappingNode):  # type: ignore[no-untyped-def]
        data = MarkedMap(_line(node))
        yield data  # filled after yielding so anchors/aliases may refer back
        self._note_duplicates(node)
        self.flatten_mapping(node)
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=False)
            try:
                hash(key)
            except TypeError:
                raise ConstructorError(
                    "while constructing a mapping", node.start_mark,
                    "found an unhashable key", key_node.start_mark) from None
            data[key] = self.construct_object(value_node, deep=False)
            data.key_lines[key] = _line(key_node)

    def construct_lenient_timestamp(self, node: yaml.ScalarNode) -> object:
        """`2026-13-01` looks like a date to YAML but is not one: keep the text.

        SafeLoader would raise a bare ValueError with no line; as text, the
        loader reports it where it stands, with what was expected.
        """
        try:
            return self.construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)

    def construct_marked_list(self, node: SequenceNode):  # type: ignore[no-untyped-def]
        data = MarkedList(_line(node))
        yield data
        for item in node.value:
            data.append(self.construct_object(item, deep=False))
            data.lines.append(_line(item))

    def _note_duplicates(self, node: MappingNode) -> None:
        first: dict[str, int] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == MERGE_TAG:
                continue
            key = key_node.value
            if key in first:
                self.duplicates.append((_line(key_node), ConfigProblem(
                    "", 0, "", "cfg.duplicate_key", {"keyname": repr(key), "first": first[key]})))
            else:
                first[key] = _line(key_node)


MarkedLoader.add_constructor("tag:yaml.org,2002:map", MarkedLoader.construct_marked_map)
MarkedLoader.add_constructor("tag:yaml.org,2002:seq", MarkedLoader.construct_marked_list)
MarkedLoader.add_constructor("tag:yaml.org,2002:timestamp",
                             MarkedLoader.construct_lenient_timestamp)


def parse(text: str, filename: str) -> tuple[Any, list[tuple[int, ConfigProblem]]]:
    """The document and its duplicate keys as (line, message); broken YAML raises ConfigError.

    Duplicates are returned rather than raised so the loader can report them
    together with everything else that is wrong.
    """
    loader = None
    try:
        loader = MarkedLoader(text)  # the reader rejects control characters right here
        data = loader.get_single_data()
    except AliasBomb as exc:
        raise ConfigError([ConfigProblem(filename, exc.line, "", "cfg.yaml_aliases_too_many",
                                         {"most": f"{exc.nodes:,}"})]) from None
    except yaml.MarkedYAMLError as exc:
        raise ConfigError([syntax_problem(exc, filename)]) from None
    except yaml.YAMLError as exc:  # ReaderError: bad characters, no mark
        position = getattr(exc, "position", 0) or 0
        line = text[:position].count("\n") + 1
        reason = getattr(exc, "reason", None) or str(exc)
        raise ConfigError([ConfigProblem(filename, line, "", "cfg.yaml_syntax",
                                         {"reason": reason})]) from None
    finally:
        if loader is not None:
            loader.dispose()
    return data, loader.duplicates


# The parser's own words (English, from PyYAML) stay as they are; the hint is ours.
HINTS = {
    # `storage: sqlite:///:memory:` or `name: Note: ...` trip this one.
    "mapping values are not allowed here": "cfg.yaml_hint.quote_colon",
    "found character '\\t' that cannot start any token": "cfg.yaml_hint.tabs",
}


def syntax_problem(exc: yaml.MarkedYAMLError, filename: str) -> ConfigProblem:
    """One line, pointing at the problem rather than at where the parser started."""
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark is not None else 1
    problem: str | Phrase = exc.problem or phrase("cfg.yaml_unreadable")
    if isinstance(problem, str) and problem in HINTS:
        return ConfigProblem(filename, line, "", "cfg.yaml_syntax_why",
                             {"reason": problem, "why": phrase(HINTS[problem])})
    if exc.context:
        where: str | Phrase = exc.context
        if exc.context_mark is not None and exc.problem_mark is not None \
                and exc.context_mark.line != exc.problem_mark.line:
            where = phrase("cfg.yaml_context_at", context=exc.context,
                           line=exc.context_mark.line + 1)
        return ConfigProblem(filename, line, "", "cfg.yaml_syntax_why",
                             {"reason": problem, "why": where})
    return ConfigProblem(filename, line, "", "cfg.yaml_syntax", {"reason": problem})
