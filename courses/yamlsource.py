"""Safe YAML that remembers line numbers, so every problem can be located for the author."""
from __future__ import annotations

from typing import Any

import yaml


class LineDict(dict):
    """A mapping whose `lines[key]` is the 1-based line of that key; `line` is where the mapping starts."""

    line: int = 0
    lines: dict[Any, int]


class LineList(list):
    line: int = 0
    lines: list[int]


MAX_EXPANDED_NODES = 1_000_000
"""More values than a 2 MiB file can spell out: only aliases (`*name`) reach it ("billion laughs")."""


class _LineLoader(yaml.SafeLoader):
    def compose_document(self) -> yaml.Node:
        """Refuse alias bombs before construction: nine aliases of nine aliases... are shared nodes here but
        become billions of values once anything walks or prints them (a validation message does)."""
        node = super().compose_document()
        if _expanded_size(node, {}) > MAX_EXPANDED_NODES:
            raise yaml.composer.ComposerError(None, None, "aliases (*name) expand to too much data or refer to "
                                                          "themselves", node.start_mark)
        return node


def _expanded_size(node: yaml.Node, sizes: dict[int, int]) -> int:
    """Nodes in `node` with every alias expanded, counted once per shared node; a cycle counts as too many."""
    if id(node) in sizes:
        return sizes[id(node)]
    sizes[id(node)] = MAX_EXPANDED_NODES + 1  # seen again while counting its own children: a cycle
    children = node.value if isinstance(node, yaml.SequenceNode) else (
        [part for pair in node.value for part in pair] if isinstance(node, yaml.MappingNode) else [])
    total = 1
    for child in children:
        total += _expanded_size(child, sizes)
        if total > MAX_EXPANDED_NODES:
            break
    sizes[id(node)] = total
    return total


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, (str, int, float, bool)) or key is None:
            raise yaml.constructor.ConstructorError(
                None, None, "a mapping key must be a plain value", key_node.start_mark)
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark)
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.lines = [child.start_mark.line + 1 for child in node.value]
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


class YamlSyntaxError(ValueError):
    def __init__(self, line: int, message: str) -> None:
        self.line = line
        super().__init__(message)


def parse_yaml(text: str, line_offset: int = 0) -> Any:
    """Parse one YAML document whose first line is line `line_offset + 1` of its file; a syntax error becomes
    YamlSyntaxError with the line it was found on."""
    text = "\n" * line_offset + text
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass, only plain types
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else line_offset
        raise YamlSyntaxError(line, f"invalid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(line_offset, f"invalid YAML: {exc}") from None
    except RecursionError:
        raise YamlSyntaxError(line_offset, "invalid YAML: nested too deeply") from None
