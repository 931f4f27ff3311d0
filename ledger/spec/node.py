"""Parsing one ``_node.md``: frontmatter, the name heading, ``# Public`` / ``# Agent`` / ``# Private``.

Headings are found by a CommonMark parser (markdown-it), not by scanning lines, so ``#`` lines
inside fenced code blocks, HTML blocks or block quotes are content — as in the reference
tooling, which uses goldmark. Only top-level level-1 and level-2 headings are structural.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ledger.errors import SpecError
from ledger.spec.text import extract_block, format_block, normalize_heading, split_lines

if TYPE_CHECKING:
    from markdown_it import MarkdownIt


@dataclass(frozen=True)
class Frontmatter:
    depends_on: tuple[str, ...] = ()
    input: str | None = None
    output: str | None = None
    # 1-based line of each key / list item in the file, for error messages.
    lines: dict[str, int] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class Block:
    """A ``#`` section or ``##`` subsection: its normalised heading, raw heading line and content."""

    heading: str
    raw_heading: str
    content: tuple[str, ...]
    line: int  # 1-based line of the heading in the file

    def render(self) -> str:
        return format_block(self.raw_heading, list(self.content))


@dataclass(frozen=True)
class Section(Block):
    subsections: tuple[Block, ...] = ()

    def subsection(self, qualifier: str) -> Block | None:
        wanted = normalize_heading(qualifier)
        return next((s for s in self.subsections if s.heading == wanted), None)


@dataclass(frozen=True)
class ParsedNode:
    name: str
    file: str  # project-relative path
    frontmatter: Frontmatter | None
    name_section: Section
    public: Section | None
    agent: Section | None
    private: Section | None

    def public_text(self) -> str:
        """``##`` subsections of ``# Public`` in document order, one blank line apart ('' if none)."""
        if self.public is None:
            return ""
        return "\n".join(sub.render() for sub in self.public.subsections)

    def qualified_text(self, qualifier: str) -> str:
        """The ``## qualifier`` subsection of ``# Public`` with its heading line ('' if absent)."""
        if self.public is None:
            return ""
        sub = self.public.subsection(qualifier)
        return "" if sub is None else sub.render()

    def agent_text(self) -> str:
        """``# Agent`` content without its heading, then its ``##`` subsections ('' if none)."""
        if self.agent is None:
            return ""
        text = extract_block(list(self.agent.content))
        for sub in self.agent.subsections:
            block = sub.render()
            if text and block:
                text += "\n"
            text += block
        return text


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    from markdown_it import MarkdownIt

    # Block structure is all we need; inline parsing runs only on heading text (see below).
    md = MarkdownIt("commonmark")
    md.core.ruler.disable(["inline", "text_join"])
    return md


@lru_cache(maxsize=1)
def _inline_markdown() -> MarkdownIt:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark")


def decode_spec_bytes(data: bytes, file: str) -> str:
    """Spec files are UTF-8 without BOM; anything else is an error naming the line."""
    if data.startswith(b"\xef\xbb\xbf"):
        raise SpecError("file starts with a UTF-8 BOM; expected UTF-8 without BOM", file=file, line=1)
    nul = data.find(b"\x00")
    if nul >= 0:  # valid UTF-8, but no text editor writes it: a binary or corrupted file
        line = data[:nul].count(b"\n") + 1
        raise SpecError(f"contains a NUL byte at byte {nul}; expected UTF-8 text", file=file, line=line)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SpecError(
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); expected UTF-8 text",
            file=file,
            line=line,
        ) from None


def parse_node(data: bytes, *, name: str, file: str) -> ParsedNode:
    """Parse the bytes of a ``_node.md`` whose logical name is ``name``."""
    text = decode_spec_bytes(data, file)
    lines = [ln.decode("utf-8") for ln in split_lines(text.encode("utf-8"))]
    source = "\n".join(lines) + "\n"
    frontmatter, body, body_offset = _split_frontmatter(source, file)
    blocks = _structural_blocks(body, body_offset, file)
    return _assemble(name, file, frontmatter, blocks)


def _split_frontmatter(source: str, file: str) -> tuple[Frontmatter | None, str, int]:
    """(frontmatter, body, number of lines before the body), as the reference splits them."""
    if not source.startswith("---\n"):
        return None, source, 0
    rest = source[4:]
    if rest.startswith("---\n"):
        return None, rest[4:], 2
    end = rest.find("\n---\n")
    if end < 0:
        raise SpecError("frontmatter starts with '---' but has no closing '---' line", file=file, line=1)
    yaml_text = rest[:end]
    body = rest[end + 5 :]
    offset = source[: len(source) - len(body)].count("\n")
    return _parse_yaml(yaml_text, file), body, offset


MAX_YAML_DEPTH = 64
"""Frontmatter nests two levels; libyaml's composer recurses in C and a few tens of thousands
of ``[`` overflow the stack (a segfault, not an exception), so depth is checked first."""


def _check_yaml_depth(yaml_text: str, loader: Any, file: str) -> None:
    import yaml

    # every level needs one of these characters: below the limit, no need to parse twice
    if sum(yaml_text.count(c) for c in "[{-:?") <= MAX_YAML_DEPTH:
        return
    depth = 0
    for event in yaml.parse(yaml_text, Loader=loader):  # events: libyaml keeps its own stack
        if isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                raise SpecError(
                    f"malformed YAML frontmatter: nested more than {MAX_YAML_DEPTH} levels deep",
                    file=file,
                    line=event.start_mark.line + 2 if event.start_mark is not None else 2,
                )
        elif isinstance(event, yaml.SequenceEndEvent | yaml.MappingEndEvent):
            depth -= 1


def _parse_yaml(yaml_text: str, file: str) -> Frontmatter:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: ~10x faster
    try:
        _check_yaml_depth(yaml_text, loader, file)
        loaded = yaml.compose(yaml_text, Loader=loader)
        value: Any = yaml.load(yaml_text, Loader=loader)  # safe: loader is (C)SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 2
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise SpecError(f"malformed YAML frontmatter: {problem}", file=file, line=line) from None
    except (ValueError, RecursionError) as exc:  # int("1" * 5000) in the constructor
        reason = "an integer has more than 4300 digits" if "digits" in str(exc) else "nested too deeply"
        raise SpecError(f"malformed YAML frontmatter: {reason}", file=file, line=2) from None
    if value is None:
        return Frontmatter()
    if not isinstance(value, dict) or loaded is None or not isinstance(loaded, yaml.MappingNode):
        raise SpecError("frontmatter must be a YAML mapping (depends_on, input, output)", file=file, line=2)
    key_lines: dict[str, int] = {}
    item_lines: list[int] = []
    for key_node, value_node in loaded.value:
        key = str(key_node.value)
        if key in key_lines:  # PyYAML keeps the last silently; YAML 1.2 and go-yaml refuse it
            raise SpecError(
                f"frontmatter key '{key}' appears twice (first on line {key_lines[key]}); expected it once",
                file=file,
                line=key_node.start_mark.line + 2,
            )
        key_lines[key] = key_node.start_mark.line + 2
        if key == "depends_on" and isinstance(value_node, yaml.SequenceNode):
            item_lines = [item.start_mark.line + 2 for item in value_node.value]

    def string_field(key: str) -> str | None:
        raw = value.get(key)
        if raw is None:
            return None
        if not isinstance(raw, str):
            raise SpecError(
                f"frontmatter '{key}' must be a string, got {type(raw).__name__}",
                file=file,
                line=key_lines.get(key, 2),
            )
        return raw

    deps_raw = value.get("depends_on")
    depends_on: list[str] = []
    if deps_raw is not None:
        if not isinstance(deps_raw, list):
            raise SpecError(
                "frontmatter 'depends_on' must be a list of logical names",
                file=file,
                line=key_lines.get("depends_on", 2),
            )
        for index, item in enumerate(deps_raw):
            if not isinstance(item, str):
                line = item_lines[index] if index < len(item_lines) else key_lines["depends_on"]
                raise SpecError(
                    f"depends_on entry {index + 1} must be a logical name string, got {type(item).__name__}",
                    file=file,
                    line=line,
                )
            depends_on.append(item)
    for index, line in enumerate(item_lines):
        key_lines[f"depends_on[{index}]"] = line
    return Frontmatter(
        depends_on=tuple(depends_on),
        input=string_field("input"),
        output=string_field("output"),
        lines=key_lines,
    )


@dataclass(frozen=True)
class _Heading:
    level: int
    normalized: str
    raw: str
    line_index: int  # 0-based line in body


def _structural_blocks(body: str, offset: int, file: str) -> list[tuple[_Heading, tuple[str, ...]]]:
    tokens = _markdown().parse(body)
    lines = body.split("\n")
    headings: list[_Heading] = []
    for index, token in enumerate(tokens):
        if token.type != "heading_open" or token.level != 0 or token.tag not in ("h1", "h2"):
            continue
        inline = tokens[index + 1]
        if not inline.content.strip() or token.map is None:
            continue  # goldmark gives an empty heading no lines and skips it
        # Only the heading's own top-level text nodes make its name (as goldmark's Text children).
        children = _inline_markdown().parseInline(inline.content)[0].children or []
        text = "".join(c.content for c in children if c.type == "text" and c.level == 0)
        line_index = token.map[0]
        headings.append(
            _Heading(
                level=int(token.tag[1]),
                normalized=normalize_heading(text),
                raw=lines[line_index].rstrip(" \t"),
                line_index=line_index,
            )
        )
    first_line = headings[0].line_index if headings else len(lines)
    for i in range(first_line):
        if lines[i].strip(" \t\r"):
            raise SpecError(
                "content before the first heading; a node starts with '# SPEC/<name>'",
                file=file,
                line=offset + i + 1,
            )
    blocks: list[tuple[_Heading, tuple[str, ...]]] = []
    for i, heading in enumerate(headings):
        end = headings[i + 1].line_index if i + 1 < len(headings) else len(lines)
        content = lines[heading.line_index + 1 : end]
        while content and content[-1] == "":
            content.pop()
        blocks.append((heading, tuple(content)))
    return [(_at(h, offset), c) for h, c in blocks]


def _at(heading: _Heading, offset: int) -> _Heading:
    return _Heading(heading.level, heading.normalized, heading.raw, heading.line_index + offset)


def _assemble(
    name: str,
    file: str,
    frontmatter: Frontmatter | None,
    blocks: list[tuple[_Heading, tuple[str, ...]]],
) -> ParsedNode:
    # one entry per '#' section in document order: (key, heading, content, its '##' subsections)
    order: list[tuple[str, _Heading, tuple[str, ...], list[Block]]] = []

    for heading, content in blocks:
        line = heading.line_index + 1
        if heading.level == 1:
            if not order:
                expected = normalize_heading(name)
                if heading.normalized != expected:
                    raise SpecError(
                        f"first heading is '{heading.raw}', expected '# {name}' (the node's logical name)",
                        file=file,
                        line=line,
                    )
                key = "name"
            elif heading.normalized in ("public", "agent", "private"):
                key = heading.normalized
                if any(k == key for k, *_ in order):
                    raise SpecError(f"duplicate '# {heading.raw.lstrip('# ')}' section", file=file, line=line)
            else:
                raise SpecError(
                    f"unrecognized section '{heading.raw}'; expected # Public, # Agent or # Private",
                    file=file,
                    line=line,
                )
            order.append((key, heading, content, []))
        else:
            if not order:
                raise SpecError(
                    "a '##' subsection before the name heading; a node starts with '# SPEC/<name>'",
                    file=file,
                    line=line,
                )
            subs = order[-1][3]
            if any(b.heading == heading.normalized for b in subs):
                raise SpecError(f"duplicate subsection '{heading.raw}' in this section", file=file, line=line)
            subs.append(Block(heading.normalized, heading.raw, content, line))

    if not order:
        raise SpecError(f"no headings; expected '# {name}' as the first line of content", file=file)
    sections = {
        key: Section(heading.normalized, heading.raw, content, heading.line_index + 1, tuple(subs))
        for key, heading, content, subs in order
    }
    return ParsedNode(
        name=name,
        file=file,
        frontmatter=frontmatter,
        name_section=sections["name"],
        public=sections.get("public"),
        agent=sections.get("agent"),
        private=sections.get("private"),
    )
