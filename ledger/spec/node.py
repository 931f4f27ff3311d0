"""Parsing one ``_node.md``: frontmatter, the name heading, ``# Public`` / ``# Agent`` / ``# Private``.

Headings are found by a CommonMark parser (markdown-it), not by scanning lines, so ``#`` lines
inside fenced code blocks, HTML blocks or block quotes are content — as in the reference
tooling, which uses goldmark. Only top-level level-1 and level-2 headings are structural.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ledger.errors import SpecError
from ledger.spec.text import (
    check_line_lengths,
    extract_block,
    format_block,
    normalize_heading,
    split_lines,
)

if TYPE_CHECKING:
    from markdown_it import MarkdownIt


@dataclass(frozen=True)
class Frontmatter:
    depends_on: tuple[str, ...] = ()
    input: str | None = None
    output: str | None = None
    # 1-based line of each key / list item in the file, for error messages.
    lines: dict[str, int] = field(default_factory=dict, compare=False, hash=False)
    # Line of a key that is not a string (``2024:``, ``true:``): goccy/go-yaml then decodes no
    # field at all (decode.go keyToNodeMap), so the reference reads none and neither do we.
    ignored_line: int | None = field(default=None, compare=False, hash=False)
    ignored_key: str = field(default="", compare=False, hash=False)
    ignored_kind: str = field(default="", compare=False, hash=False)


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
    # No "normalize": it turns a lone CR into a line break, but goldmark splits lines on LF
    # only (text/reader.go), so a CR inside a line stays content there (NUL is refused earlier).
    md = MarkdownIt("commonmark")
    md.core.ruler.disable(["normalize", "inline", "text_join"])
    md.block.ruler.at("html_block", _goldmark_html_block, {"alt": ["paragraph", "reference", "blockquote"]})
    return md


# goldmark's HTML block openers (parser/html_block.go). They differ from CommonMark's, which
# markdown-it follows: ``</pre>`` opens no block (type 7 excludes pre, script and style; a
# paragraph follows), ``<pre/>`` opens type 1, ``<![A-Z]`` only upper case, ``</ div>`` type 6,
# and only spaces may follow a type 6 tag name or end a type 7 line (a tab makes a paragraph).
# Go's ``\s`` is [\t\n\f\r ] and ``.`` is anything but LF; a line's trailing CR is part of its
# line break there.
_GO_ATTRIBUTE = (
    "(?:[\r\n \t]+[a-zA-Z_:][a-zA-Z0-9:._-]*(?:[\r\n \t]*=[\r\n \t]*"
    "(?:[^\"'=<>`\x00-\x20]+|'[^']*'|\"[^\"]*\"))?)"
)
_HTML_TYPE1 = re.compile(r"^[ ]{0,3}<(?i:script|pre|style|textarea)(?:[\t\n\f\r ][^\n]*|>[^\n]*|/>[^\n]*|)\Z")
_HTML_TYPE1_CLOSE = re.compile(r"</(?i:script|pre|style|textarea)>")
_HTML_OPENERS = (  # types 2 to 5: opener, and what closes the block once a line contains it
    (re.compile(r"^[ ]{0,3}<!--"), "-->"),
    (re.compile(r"^[ ]{0,3}<\?"), "?>"),
    (re.compile(r"^[ ]{0,3}<![A-Z]"), ">"),
    (re.compile(r"^[ ]{0,3}<!\[CDATA\["), "]]>"),
)
_HTML_TYPE6 = re.compile(r"^[ ]{0,3}<(?:/[ ]*)?([a-zA-Z]+[a-zA-Z0-9\-]*)(?:[ ][^\n]*|>[^\n]*|/>[^\n]*|)\Z")
_HTML_TYPE7 = re.compile(
    r"^[ ]{0,3}<(/[ ]*)?([a-zA-Z]+[a-zA-Z0-9\-]*)(" + _GO_ATTRIBUTE + r"*)[ ]*(?:>|/>)[ ]*\Z"
)
_HTML_BLOCK_TAG_NAMES = (
    "address article aside base basefont blockquote body caption center col colgroup dd details "
    "dialog dir div dl dt fieldset figcaption figure footer form frame frameset h1 h2 h3 h4 h5 h6 "
    "head header hr html iframe legend li link main menu menuitem meta nav noframes ol optgroup "
    "option p param search section summary table tbody td tfoot th thead title tr track ul"
)
_HTML_BLOCK_TAGS = frozenset(_HTML_BLOCK_TAG_NAMES.split())


def _html_block_kind(line: str, after_paragraph: bool) -> tuple[int, str | None] | None:
    """(goldmark HTML block type, closing text) for a line, as ``htmlBlockParser.Open`` decides."""
    if line.endswith("\r"):
        line = line[:-1]
    if _HTML_TYPE1.match(line):
        return 1, None
    for number, (opener, closer) in enumerate(_HTML_OPENERS, start=2):
        if opener.match(line):
            return number, closer
    match = _HTML_TYPE7.match(line)
    if match is not None:
        tag = match.group(2).lower()
        if tag in _HTML_BLOCK_TAGS:
            return 6, None
        closing_with_attributes = match.group(1) == "/" and match.group(3) != ""
        if tag not in ("script", "style", "pre") and not after_paragraph and not closing_with_attributes:
            return 7, None
    match = _HTML_TYPE6.match(line)
    if match is not None and match.group(1).lower() in _HTML_BLOCK_TAGS:
        return 6, None
    return None


def _goldmark_html_block(state: Any, start_line: int, end_line: int, silent: bool) -> bool:
    """markdown-it block rule standing in for its html_block: goldmark's HTML blocks.

    Lines are matched as goldmark sees them: the raw line (``state.env["lines"]``, not the copy
    markdown-it parses) from where this block's container starts.
    """
    if state.is_code_block(start_line):
        return False
    pos = state.bMarks[start_line] + state.tShift[start_line]
    if pos >= state.eMarks[start_line] or state.src[pos] != "<":
        return False
    raw_lines: list[str] = state.env["lines"]

    def raw(line: int) -> str:  # the raw line from this container's start
        begin = state.bMarks[line]
        return raw_lines[line][begin - (state.src.rfind("\n", 0, begin) + 1) :]

    # goldmark's paragraph blocks type 7; markdown-it asks in silent mode whether a line ends one
    kind = _html_block_kind(raw(start_line), after_paragraph=silent)
    if kind is None:
        return False
    if silent:
        return True
    number, closer = kind
    next_line = start_line + 1

    def closes(text: str) -> bool:
        if closer is None:  # type 1
            return _HTML_TYPE1_CLOSE.search(text) is not None
        return closer in text

    if number <= 5:
        if not closes(raw(start_line)):
            while next_line < end_line:
                if state.sCount[next_line] < state.blkIndent and not state.isEmpty(next_line):
                    break
                next_line += 1
                if closes(raw(next_line - 1)):
                    break
    else:
        while next_line < end_line and not state.isEmpty(next_line):
            if state.sCount[next_line] < state.blkIndent:
                break
            next_line += 1
    state.line = next_line
    token = state.push("html_block", "", 0)
    token.map = [start_line, next_line]
    token.content = state.getLines(start_line, next_line, state.blkIndent, True)
    return True


@lru_cache(maxsize=1)
def _inline_markdown() -> MarkdownIt:
    from markdown_it import MarkdownIt

    # Without "text_join", backslash escapes and entities stay separate ``text_special``
    # tokens whose ``markup`` is the source text: goldmark keeps them raw in its Text nodes.
    md = MarkdownIt("commonmark")
    md.core.ruler.disable(["normalize", "text_join"])
    return md


def heading_text(inline_source: str) -> str:
    """A heading's name as the reference reads it: its top-level Text nodes, source bytes as is.

    goldmark (``extractHeadingTextNP``) concatenates the raw segments of the heading's direct
    ``ast.Text`` children: emphasis, code spans, links and raw HTML contribute nothing, and a
    backslash escape or entity (``\\_``, ``&amp;``) keeps its source form. markdown-it decodes
    those, so its ``text_special`` tokens are put back as their ``markup``.
    """
    children = _inline_markdown().parseInline(inline_source)[0].children or []
    parts: list[str] = []
    for child in children:
        if child.level != 0:
            continue
        if child.type == "text":
            parts.append(child.content)
        elif child.type == "text_special":
            parts.append(child.markup)
    return "".join(parts)


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
    check_line_lengths(data, file)
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


@lru_cache(maxsize=1)
def _yaml_loader() -> Any:
    """(C)SafeLoader that resolves no plain scalar: every one composes as its source text.

    The reference decodes frontmatter with goccy/go-yaml, a YAML 1.2 reader, into string
    fields; PyYAML resolves YAML 1.1 (``yes``/``on`` booleans, dates, ``1:30`` sexagesimal),
    so scalars are typed here by :func:`go_yaml_string` instead.
    """
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: ~10x faster
    return type("GoYamlLoader", (base,), {"yaml_implicit_resolvers": {}})


# Trees written for Code from Spec before v5 name nodes ROOT/… and list dependencies as
# {path, version} mappings: say so, rather than only what is wrong line by line.
_EARLIER_VERSION = (
    "this tree seems to follow a Code from Spec version before v5 (ROOT/ names, depends_on as "
    "{path, version}); v5 names nodes SPEC/<path> and lists depends_on as logical names"
)


def _parse_yaml(yaml_text: str, file: str) -> Frontmatter:
    import yaml

    loader = _yaml_loader()
    yaml_text = _drop_empty_documents(yaml_text)
    placeheld = yaml_text.translate(_TO_PLACEHOLDER)
    try:
        _check_yaml_depth(placeheld, loader, file)
        # goccy decodes the first document that has content; later ones must still parse
        documents = [d for d in yaml.compose_all(placeheld, Loader=loader) if d is not None]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 2
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        if "maximum nesting depth" in problem:  # the limit recent libyaml builds enforce can come first
            problem = f"nested more than {MAX_YAML_DEPTH} levels deep"
        raise SpecError(f"malformed YAML frontmatter: {problem}", file=file, line=line) from None
    except RecursionError:
        raise SpecError("malformed YAML frontmatter: nested too deeply", file=file, line=2) from None
    loaded = documents[0] if documents else None
    if loaded is not None:
        _as_go_yaml_reads(loaded, placeheld != yaml_text, file)
    if _is_null(loaded):
        return Frontmatter()  # empty, comments only, or null: go-yaml leaves the struct empty
    if not isinstance(loaded, yaml.MappingNode):
        raise SpecError("frontmatter must be a YAML mapping (depends_on, input, output)", file=file, line=2)
    _check_duplicate_keys(loaded, file)
    key_lines = {
        str(k.value): k.start_mark.line + 2 for k, _ in loaded.value if isinstance(k, yaml.ScalarNode)
    }
    try:
        key_map = _go_key_map(loaded, file)
    except RecursionError:  # thousands of chained '<<' merges: hostile input
        raise SpecError("malformed YAML frontmatter: merges nested too deeply", file=file, line=2) from None
    if isinstance(key_map, tuple):  # a key that is not a string: goccy decodes no field
        key_node, kind = key_map
        return Frontmatter(
            lines=key_lines,
            ignored_line=key_node.start_mark.line + 2,
            ignored_key=str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "",
            ignored_kind=kind,
        )
    values: dict[str, Any] = {}
    for key, (key_node, value_node) in key_map.items():
        key_lines[key] = key_node.start_mark.line + 2
        values[key] = value_node

    def string_field(key: str) -> str | None:
        node = values.get(key)
        if node is None:
            return None
        if not isinstance(node, yaml.ScalarNode):
            kind = "list" if isinstance(node, yaml.SequenceNode) else "mapping"
            raise SpecError(
                f"frontmatter '{key}' must be a string, got a {kind}", file=file, line=key_lines[key]
            )
        return go_yaml_string(node)

    depends_on: list[str] = []
    deps_node = values.get("depends_on")
    if not _is_null(deps_node):
        if not isinstance(deps_node, yaml.SequenceNode):  # go-yaml: cannot decode into []string
            raise SpecError(
                "frontmatter 'depends_on' must be a list of logical names",
                file=file,
                line=key_lines["depends_on"],
            )
        for index, item in enumerate(deps_node.value):
            line = item.start_mark.line + 2
            if not isinstance(item, yaml.ScalarNode):
                raise SpecError(
                    f"depends_on entry {index + 1} must be a logical name string, got a "
                    + ("list" if isinstance(item, yaml.SequenceNode) else "mapping"),
                    file=file,
                    line=line,
                    hint=_EARLIER_VERSION if isinstance(item, yaml.MappingNode) else None,
                )
            depends_on.append(go_yaml_string(item) or "")  # go-yaml decodes a null item as ""
            key_lines[f"depends_on[{index}]"] = line
    return Frontmatter(
        depends_on=tuple(depends_on),
        input=string_field("input"),
        output=string_field("output"),
        lines=key_lines,
    )


# Characters PyYAML's reader refuses (C0/C1 controls, DEL, U+FFFE/FFFF) but goccy/go-yaml keeps
# as text: each stands in as a private-use character while PyYAML reads, then is put back.
_NON_PRINTABLE = [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0x85), *range(0x86, 0xA0)]
_NON_PRINTABLE += [0xFFFE, 0xFFFF]
_TO_PLACEHOLDER = {c: 0xF0000 + c for c in _NON_PRINTABLE}
_FROM_PLACEHOLDER = {0xF0000 + c: c for c in _NON_PRINTABLE}


def _drop_empty_documents(yaml_text: str) -> str:
    """Rewrite ``...`` document ends PyYAML reads differently from goccy/go-yaml.

    goccy reads an empty document as nothing (``...`` then ``output: x`` decodes ``x``) and
    lets a bare document follow ``...``; PyYAML wants node content before ``...`` and ``---``
    after it. So a ``...`` ending an empty document is blanked, and one followed by a bare
    document becomes ``---``. Lines are kept, so error lines stay right.
    """
    if "..." not in yaml_text:
        return yaml_text
    lines = yaml_text.split("\n")
    bare = [line.split(" #", 1)[0].rstrip(" \t\r") for line in lines]

    def is_content(text: str) -> bool:
        return bool(text.strip()) and not text.lstrip().startswith("#")

    empty = True
    for number, text in enumerate(bare):
        if text == "...":
            after = next((t for t in bare[number + 1 :] if is_content(t)), None)
            if empty:
                lines[number] = ""
            elif after is not None and not (after == "---" or after.startswith(("--- ", "%"))):
                lines[number] = "---"
            empty = True
        elif text == "---" or text.startswith("--- "):
            empty = text == "---"
        elif is_content(text) and not (empty and text.startswith("%")):
            empty = False
    return "\n".join(lines)


def _as_go_yaml_reads(root: Any, placeheld: bool, file: str) -> None:
    """Turn PyYAML's nodes into what goccy/go-yaml decodes, in place.

    Control characters come back from their placeholders; a plain scalar loses its tabs (the
    goccy scanner drops a tab inside plain text: ``a\tb`` reads ``ab``); and a list or mapping
    used as a key is an error there ("found an invalid key for this map").
    """
    import yaml

    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            if placeheld:
                node.value = node.value.translate(_FROM_PLACEHOLDER)
            if not node.style and "\t" in node.value:
                node.value = node.value.replace("\t", "")
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if not isinstance(key, yaml.ScalarNode):
                    raise SpecError(
                        "malformed YAML frontmatter: a "
                        + ("list" if isinstance(key, yaml.SequenceNode) else "mapping")
                        + " is used as a key; expected depends_on, input or output",
                        file=file,
                        line=key.start_mark.line + 2,
                    )
                stack.extend((key, value))


def _check_duplicate_keys(root: Any, file: str) -> None:
    """A key twice in any one mapping is a syntax error for goccy/go-yaml (parser.go validateMapKey).

    PyYAML keeps the last value silently. go-yaml compares the keys' token text, so ``a`` and
    ``'a'`` are the same key.
    """
    import yaml

    seen_nodes: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen_nodes or not isinstance(node, yaml.MappingNode | yaml.SequenceNode):
            continue
        seen_nodes.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack.extend(reversed(node.value))
            continue
        first: dict[str, int] = {}
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                key, line = str(key_node.value), key_node.start_mark.line + 2
                if key in first:
                    raise SpecError(
                        f"frontmatter key '{key}' appears twice (first on line {first[key]}); "
                        "expected it once",
                        file=file,
                        line=line,
                    )
                first[key] = line
        stack.extend(reversed([v for _, v in node.value]))


def _is_merge_key(node: Any) -> bool:
    return not node.style and node.value == "<<"


def _go_key_map(
    mapping: Any, file: str, merging: frozenset[int] = frozenset()
) -> dict[str, tuple[Any, Any]] | tuple[Any, str]:
    """The key → (key node, value node) map goccy/go-yaml decodes a struct from.

    As ``decode.go`` ``keyToNodeMap``: a ``<<`` merge key adds the keys of the mapping it names
    (a key both merged and written is a duplicate), and a key that does not decode to a string
    ends the map with nothing: then the result is ``(that key node, what it is)`` and no field
    is decoded. Inside a merged mapping such a key drops only that mapping's keys. A mapping
    that merges itself runs go-yaml into its depth limit (``ErrExceededMaxDepth``).
    """
    import yaml

    merging |= {id(mapping)}
    result: dict[str, tuple[Any, Any]] = {}
    for key_node, value_node in mapping.value:
        if isinstance(key_node, yaml.ScalarNode) and _is_merge_key(key_node):
            problem = (
                "a '<<' merge key must name a mapping"
                if not isinstance(value_node, yaml.MappingNode)
                else "a '<<' merge key names a mapping that contains it"
                if id(value_node) in merging
                else None
            )
            if problem is not None:
                raise SpecError(
                    f"malformed YAML frontmatter: {problem}", file=file, line=key_node.start_mark.line + 2
                )
            merged = _go_key_map(value_node, file, merging)
            pairs = list(merged.items()) if isinstance(merged, dict) else []
        else:
            kind = _go_yaml_kind(key_node)
            if kind != "string":
                return key_node, kind
            pairs = [(str(key_node.value), (key_node, value_node))]
        for key, pair in pairs:
            if key in result:
                raise SpecError(
                    f"frontmatter key '{key}' appears twice (first on line "
                    f"{result[key][0].start_mark.line + 2}); expected it once",
                    file=file,
                    line=key_node.start_mark.line + 2,
                )
            result[key] = pair
    return result


def _go_yaml_kind(node: Any) -> str:
    """What go-yaml decodes a node to: string, null, bool, int, float, list or mapping."""
    import yaml

    if isinstance(node, yaml.SequenceNode):
        return "list"
    if isinstance(node, yaml.MappingNode):
        return "mapping"
    text = str(node.value)
    if node.style:
        return "string"
    if text in _GO_YAML_NULL:
        return "null"
    if text in _GO_YAML_BOOL:
        return "bool"
    if text in _GO_YAML_SPECIAL:
        return "float"
    number = _go_yaml_number(text)
    if number is None:
        return "string"
    return "float" if "." in text else "int"


def _is_null(node: Any) -> bool:
    """Absent, or a plain null scalar (``~``, ``null``, nothing): go-yaml leaves the field unset."""
    import yaml

    return node is None or (isinstance(node, yaml.ScalarNode) and go_yaml_string(node) is None)


_GO_YAML_NULL = frozenset({"", "~", "null", "Null", "NULL"})
_GO_YAML_BOOL = {"true": "true", "True": "true", "TRUE": "true", "false": "false", "False": "false"}
_GO_YAML_BOOL["FALSE"] = "false"
_GO_YAML_SPECIAL = {".inf": "+Inf", ".Inf": "+Inf", ".INF": "+Inf", "-.inf": "-Inf", "-.Inf": "-Inf"}
_GO_YAML_SPECIAL.update({"-.INF": "-Inf", ".nan": "NaN", ".NaN": "NaN", ".NAN": "NaN"})


def go_yaml_string(node: Any) -> str | None:
    """The value go-yaml stores in a ``*string`` field for this scalar (None for null).

    go-yaml types a plain scalar as YAML 1.2 does (``token.New``: null, true/false, .inf/.nan,
    ``toNumber``) and then formats the typed value back with Go (``decode.go``
    ``convertValue``): ``0x1F`` becomes "31", ``1.50`` "1.5", ``True`` "true", while ``yes``,
    ``on`` and ``2024-01-01`` stay as written. Quoted and block scalars are taken as written.
    """
    text = str(node.value)
    if node.style:  # '"', "'", '|', '>' (plain: None in PyYAML, '' in libyaml): a string token
        return text
    if text in _GO_YAML_NULL:
        return None
    if text in _GO_YAML_BOOL:
        return _GO_YAML_BOOL[text]
    if text in _GO_YAML_SPECIAL:
        return _GO_YAML_SPECIAL[text]
    number = _go_yaml_number(text)
    return text if number is None else number


def _go_yaml_number(value: str) -> str | None:
    """goccy/go-yaml ``token.toNumber`` + Go formatting; None when it is not a number."""
    if not value or value.startswith("_") or value.count(".") > 1:
        return None
    negative = value.startswith("-")
    normalized = value.removeprefix("+").removeprefix("-").replace("_", "")
    base = 10
    if normalized.startswith("0x"):
        normalized, base = normalized[2:], 16
    elif normalized.startswith("0o"):
        normalized, base = normalized[2:], 8
    elif normalized.startswith("0b"):
        normalized, base = normalized[2:], 2
    elif normalized.startswith("0") and len(normalized) > 1 and "." not in value:
        base = 8
    elif "." in value:
        base = 0  # float
    text = ("-" if negative else "") + normalized
    if base == 0:
        return _go_float(text)
    digits = "0123456789abcdef"[:base]
    if not normalized or len(normalized) > 64 or any(ch not in digits for ch in normalized.lower()):
        return None  # strconv syntax error (or certainly out of range): go-yaml keeps a string
    number = int(text, base)
    if (negative and number < -(2**63)) or (not negative and number >= 2**64):
        return None  # strconv range error: go-yaml keeps the scalar as a string
    return str(number)


def _go_float(text: str) -> str | None:
    """``strconv.ParseFloat`` then ``fmt.Sprint``: shortest digits, %e below 1e-4 and from 1e6 on."""
    import math
    import re
    from decimal import Decimal

    if not re.fullmatch(r"-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", text):
        return None
    number = float(text)
    if math.isinf(number):
        return None  # out of range: a string for go-yaml
    sign, digit_tuple, exponent = Decimal(repr(number)).as_tuple()  # repr: shortest round-trip
    digits = "".join(map(str, digit_tuple)).lstrip("0")
    prefix = "-" if sign else ""
    if not digits:
        return prefix + "0"
    point = len(digits) + int(exponent)  # position of the decimal point after the first digit
    trimmed = digits.rstrip("0")
    exp = point - 1
    if exp < -4 or exp >= 6:  # strconv 'g' with shortest precision uses eprec = 6
        mantissa = trimmed[0] + ("." + trimmed[1:] if len(trimmed) > 1 else "")
        return f"{prefix}{mantissa}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    if point <= 0:
        return f"{prefix}0.{'0' * -point}{trimmed}"
    if point >= len(trimmed):
        return prefix + trimmed + "0" * (point - len(trimmed))
    return f"{prefix}{trimmed[:point]}.{trimmed[point:]}"


@dataclass(frozen=True)
class _Heading:
    level: int
    normalized: str
    raw: str
    line_index: int  # 0-based line in body where the heading starts
    content_index: int  # 0-based line in body where its content starts


# goldmark's white space (util.IsSpace): what it trims around heading text and paragraph lines.
# Only ' ' and '\t' count as indentation (util.IndentWidth); '\v', '\f', NBSP etc. are text.
_GM_SPACE = " \t\r\n"


# Where goldmark reads a CR inside a line as white space and markdown-it would not: after an
# ATX opening sequence (``#\rx`` is a heading) and between thematic break marks (``-\r-\r-``).
# Elsewhere a CR is text for both: not indentation, and no space after a list marker.
_ATX_AFTER_CR = re.compile(r"^([ \t]*#{1,6})\r")
_THEMATIC_BREAK_CR = re.compile(r"[ \t]*([-*_])(?:[ \t\r]*\1){2,}")


def _markdown_line(line: str) -> str:
    """The copy of a body line markdown-it reads to find the block structure goldmark finds.

    goldmark counts CR as white space (util.IsSpace) in some places: a line of spaces and CRs
    is blank, a fence, heading or setext underline ends at trailing CRs, ``#\rx`` is a heading
    and ``-\r-\r-`` a thematic break. markdown-it only knows ' ' and '\t', so trailing white
    space is dropped and those CRs are read as spaces.
    """
    text = line.rstrip(" \t\r")
    if "\r" not in text:
        return text
    atx = _ATX_AFTER_CR.match(text)
    if atx is not None:
        return atx.group(1) + " " + text[atx.end() :]
    if _THEMATIC_BREAK_CR.fullmatch(text):
        return text.replace("\r", " ")
    return text


def _atx_heading_text(line: str) -> str | None:
    """An ATX heading's inline source as goldmark takes it (``atxHeadingParser.Open``).

    None when goldmark gives the heading no line (``#``, ``# ``, ``## ##``): collectHeadingsNP
    skips it. Unlike markdown-it, which trims Unicode white space (NBSP, U+3000) off heading
    text, goldmark trims only ' ', '\t', CR and LF.
    """
    rest = line.lstrip(" \t")
    rest = rest[len(rest) - len(rest.lstrip("#")) :].strip(_GM_SPACE)
    if not rest:
        return None
    i = len(rest) - 1
    while rest[i] == "#" and i > 0:
        i -= 1
    if i == 0 and rest[0] == "#":
        return None
    if i != len(rest) - 1 and rest[i] in _GM_SPACE:  # closing sequence after white space
        rest = rest[:i].rstrip(_GM_SPACE)
    return rest


def _setext_heading_text(paragraph: list[str]) -> str:
    """A setext heading's inline source as goldmark reads its paragraph lines.

    Each line loses leading white space (``paragraphParser.Close``) and, before its line break,
    trailing white space (``parseBlock``), except a line ending in a backslash (a visible hard
    break), which loses only the backslash. goldmark's Text nodes then join with no separator;
    the LF left here is a soft break for markdown-it, which contributes no text either.
    """
    parts: list[str] = []
    for number, line in enumerate(paragraph):
        text = line.lstrip(_GM_SPACE)
        if number == len(paragraph) - 1:
            text = text.rstrip(_GM_SPACE)
        elif text.endswith("\\") and not text.endswith("\\\\"):
            text = text[:-1]
        elif text.endswith("\\\r") and not text.endswith("\\\\\r"):
            text = text[:-2]
        else:
            text = text.rstrip(_GM_SPACE)
        parts.append(text)
    return "\n".join(parts)


def _structural_blocks(body: str, offset: int, file: str) -> list[tuple[_Heading, tuple[str, ...]]]:
    lines = body.split("\n")
    # markdown-it finds the block structure on a copy (see _markdown_line); heading text, raw
    # heading lines and content come from the raw lines, which keep every byte.
    tokens = _markdown().parse("\n".join(_markdown_line(line) for line in lines), {"lines": lines})
    headings: list[_Heading] = []
    for token in tokens:
        if token.type != "heading_open" or token.level != 0 or token.tag not in ("h1", "h2"):
            continue
        if token.map is None:
            continue
        line_index = token.map[0]
        if token.markup.startswith("#"):
            source = _atx_heading_text(lines[line_index])
            if source is None:
                continue  # goldmark gives an empty heading no lines and skips it
            raw, content_index = lines[line_index], line_index + 1
        else:
            # Setext: goldmark's heading takes the paragraph's lines, and collectHeadingsNP reads
            # the raw heading from the start of the first to the end of the line where the first
            # line's segment stops. That segment keeps its LF, so for a paragraph of two or more
            # lines the raw heading spans the first two and the content starts on the third
            # (even before the underline); for one line it starts at the underline.
            paragraph = lines[line_index : token.map[1] - 1]
            source = _setext_heading_text(paragraph)
            if len(paragraph) == 1:
                raw, content_index = paragraph[0], line_index + 1
            else:
                raw, content_index = paragraph[0] + "\n" + paragraph[1], line_index + 2
        headings.append(
            _Heading(
                level=int(token.tag[1]),
                normalized=normalize_heading(heading_text(source)),
                raw=raw.rstrip(" \t"),
                line_index=line_index,
                content_index=content_index,
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
        content = lines[heading.content_index : end]
        while content and content[-1] == "":
            content.pop()
        blocks.append((heading, tuple(content)))
    return [(_at(h, offset), c) for h, c in blocks]


def _at(heading: _Heading, offset: int) -> _Heading:
    return _Heading(
        heading.level,
        heading.normalized,
        heading.raw,
        heading.line_index + offset,
        heading.content_index + offset,
    )


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
                        hint=_EARLIER_VERSION if heading.normalized.startswith("root") else None,
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
