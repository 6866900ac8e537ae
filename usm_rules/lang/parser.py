"""Policy text -> AST (the only importer of lark). Syntax errors become located messages with a caret."""
from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Any

import lark
from lark import Token, Transformer, Tree, v_args

from ..errors import Located, PolicyError, located
from ..resources import grammar_file
from . import nodes as n

# Readable names for the grammar's terminals, used in "expected …" messages.
_TERMINAL_TEXT = {
    "RULE_ID": "a rule id such as `CEMM-002`",
    "NAME": "a name",
    "STRING": "a string",
    "NUMBER": "a number",
    "SEVERITY": "`error`, `warning` or `info`",
    "COMPARE": "a comparison",
    "ADD_OP": "`+` or `-`",
    "MUL_OP": "`*`, `/` or `%`",
    "$END": "the end of the file",
}

_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t"}


@lru_cache(maxsize=1)
def _lark() -> lark.Lark:
    """The LALR parser, built from the shipped grammar once per process.

    Never cached on disk: lark's `cache=` unpickles its file, and building takes ~50 ms, paid only on a
    cache miss of the compiled program or by the authoring commands (a warm `check` never parses).
    """
    from ..files import read_text

    return lark.Lark(read_text(str(grammar_file())), parser="lalr", propagate_positions=True,
                     maybe_placeholders=False, start=["start", "expr"])


def _pos(meta: Any, line_offset: int = 0, col_offset: int = 0) -> n.Pos:
    line = meta.line + line_offset
    column = meta.column + (col_offset if meta.line == 1 else 0)
    end_line = meta.end_line + line_offset
    end_column = meta.end_column + (col_offset if meta.end_line == 1 else 0)
    return n.Pos(line, column, end_line, end_column)


def _tok_pos(tok: Token, line_offset: int = 0, col_offset: int = 0) -> n.Pos:
    line = tok.line + line_offset
    col = tok.column + (col_offset if tok.line == 1 else 0)
    end_col = tok.end_column + (col_offset if tok.end_line == 1 else 0)
    return n.Pos(line, col, tok.end_line + line_offset, end_col)


def decode_string(raw: str) -> str:
    """The value of a STRING token: quotes removed, `\\"` `\\\\` `\\n` `\\t` decoded.

    Unknown escapes keep their backslash, so regexes read naturally: `"\\d+"` is the regex `\\d+`.
    """
    body = raw[1:-1]
    out: list[str] = []
    i = 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            out.append(_ESCAPES.get(nxt, "\\" + nxt))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


class _ToAst(Transformer):
    """Lark tree -> AST nodes. Positions may be shifted (for expressions parsed out of a message)."""

    def __init__(self, line_offset: int = 0, col_offset: int = 0) -> None:
        super().__init__()
        self.lo = line_offset
        self.co = col_offset

    def _p(self, meta: Any) -> n.Pos:
        return _pos(meta, self.lo, self.co)

    def _t(self, tok: Token) -> n.Pos:
        return _tok_pos(tok, self.lo, self.co)

    # literals and names
    @v_args(meta=True)
    def number(self, meta: Any, children: list) -> n.Literal:
        text = str(children[0])
        # Leading zeros count towards Python's limit on the digits int() converts; _limit_problems has
        # refused numbers too large for a float, so what is left has at most 309 significant digits.
        value: int | float = float(text) if any(c in text for c in ".eE") else int(text.lstrip("0") or "0")
        return n.Literal(self._p(meta), value)

    @v_args(meta=True)
    def string(self, meta: Any, children: list) -> n.Literal:
        return n.Literal(self._p(meta), decode_string(str(children[0])))

    @v_args(meta=True)
    def true(self, meta: Any, children: list) -> n.Literal:
        return n.Literal(self._p(meta), True)

    @v_args(meta=True)
    def false(self, meta: Any, children: list) -> n.Literal:
        return n.Literal(self._p(meta), False)

    @v_args(meta=True)
    def null(self, meta: Any, children: list) -> n.Literal:
        return n.Literal(self._p(meta), None)

    @v_args(meta=True)
    def list(self, meta: Any, children: list) -> n.ListLit:
        return n.ListLit(self._p(meta), tuple(c for c in children if c is not None))

    @v_args(meta=True)
    def name(self, meta: Any, children: list) -> n.Name:
        return n.Name(self._p(meta), str(children[0]))

    @v_args(meta=True)
    def call(self, meta: Any, children: list) -> n.Call:
        return n.Call(self._p(meta), str(children[0]), tuple(c for c in children[1:] if c is not None))

    # postfix
    @v_args(meta=True)
    def field(self, meta: Any, children: list) -> n.Field:
        return n.Field(self._p(meta), children[0], str(children[1]), self._t(children[1]))

    @v_args(meta=True)
    def index(self, meta: Any, children: list) -> n.Index:
        return n.Index(self._p(meta), children[0], children[1])

    @v_args(meta=True)
    def star(self, meta: Any, children: list) -> n.Star:
        return n.Star(self._p(meta), children[0])

    # operators
    @v_args(meta=True)
    def neg(self, meta: Any, children: list) -> n.Unary:
        return n.Unary(self._p(meta), "neg", children[0])

    @v_args(meta=True)
    def not_(self, meta: Any, children: list) -> n.Unary:
        return n.Unary(self._p(meta), "not", children[0])

    @v_args(meta=True)
    def arith(self, meta: Any, children: list) -> n.Binary:
        return n.Binary(self._p(meta), str(children[1]), children[0], children[2])

    @v_args(meta=True)
    def compare(self, meta: Any, children: list) -> n.Binary:
        return n.Binary(self._p(meta), str(children[1]), children[0], children[2])

    @v_args(meta=True)
    def and_(self, meta: Any, children: list) -> n.Binary:
        return n.Binary(self._p(meta), "and", children[0], children[1])

    @v_args(meta=True)
    def or_(self, meta: Any, children: list) -> n.Binary:
        return n.Binary(self._p(meta), "or", children[0], children[1])

    @v_args(meta=True)
    def in_(self, meta: Any, children: list) -> n.Binary:
        return n.Binary(self._p(meta), "in", children[0], children[1])

    @v_args(meta=True)
    def not_in(self, meta: Any, children: list) -> n.Binary:
        return n.Binary(self._p(meta), "notin", children[0], children[1])

    @v_args(meta=True)
    def exists(self, meta: Any, children: list) -> n.Exists:
        return n.Exists(self._p(meta), children[0])

    @v_args(meta=True)
    def is_type(self, meta: Any, children: list) -> n.IsType:
        return n.IsType(self._p(meta), children[0], str(children[1]), self._t(children[1]), False)

    @v_args(meta=True)
    def is_not_type(self, meta: Any, children: list) -> n.IsType:
        return n.IsType(self._p(meta), children[0], str(children[1]), self._t(children[1]), True)

    @v_args(meta=True)
    def matches(self, meta: Any, children: list) -> n.Matches:
        return n.Matches(self._p(meta), children[0], children[1], False)

    @v_args(meta=True)
    def not_matches(self, meta: Any, children: list) -> n.Matches:
        return n.Matches(self._p(meta), children[0], children[1], True)

    @v_args(meta=True)
    def quantified(self, meta: Any, children: list) -> n.Quantified:
        kind = str(children[0].children[0])
        return n.Quantified(self._p(meta), kind, str(children[1]), children[2], children[3])

    @v_args(meta=True)
    def if_expr(self, meta: Any, children: list) -> n.IfExpr:
        return n.IfExpr(self._p(meta), children[0], children[1], children[2])

    # rule items are kept as (kind, pos, payload) and grouped by the file builder
    def _item(kind: str):  # type: ignore[misc]
        @v_args(meta=True)
        def build(self: "_ToAst", meta: Any, children: list) -> tuple:
            return (kind, self._p(meta), children)

        return build

    title = _item("title")
    severity = _item("severity")
    severity_if = _item("severity_if")
    rationale = _item("rationale")
    help = _item("help")
    tags = _item("tags")
    example = _item("example")
    param = _item("param")
    scope = _item("scope")
    for_clause = _item("for")
    when_clause = _item("when")
    let_clause = _item("let")
    require = _item("require")
    message = _item("message")
    at = _item("at")

    @v_args(meta=True)
    def rule(self, meta: Any, children: list) -> tuple:
        return ("rule", self._p(meta), children)

    @v_args(meta=True)
    def header(self, meta: Any, children: list) -> tuple:
        return ("header", self._p(meta), children)

    def start(self, children: list) -> list:
        return children


# Trees that are not expressions: they do not count towards the nesting limit.
_NOT_EXPRESSIONS = frozenset({"start", "header", "rule", "title", "severity", "severity_if", "rationale", "help",
                              "tags", "example", "param", "scope", "for_clause", "when_clause", "let_clause",
                              "require", "message", "at", "quantifier"})


def _limit_problems(tree: Tree, path: str, source: str, line_offset: int = 0, col_offset: int = 0) -> list[Located]:
    """Expressions nested deeper than MAX_EXPR_DEPTH and numbers too large to be numbers, found on the parse
    tree without recursion, before anything recurses over it (the transformer, checker and compiler do).

    An expression too deep is reported once, where it first passes the limit (its left-most deep branch).
    """
    problems: list[Located] = []
    too_deep: set[int] = set()  # id() of the rule items (or the root) already reported as too deep
    stack: list[tuple[Tree, int, int]] = [(tree, 0, id(tree))]
    while stack:
        node, depth, item = stack.pop()
        if node.data in _NOT_EXPRESSIONS:
            item = id(node)
        else:
            depth += 1
            if depth > n.MAX_EXPR_DEPTH:
                if item not in too_deep:
                    too_deep.add(item)
                    pos = _pos(node.meta, line_offset, col_offset)
                    problems.append(located(path, source, pos.line, pos.column,
                                            f"this expression nests more than {n.MAX_EXPR_DEPTH} levels deep (the "
                                            f"limit; each operator, call, list or path step is a level): split it "
                                            f"with `let`", pos.length))
                continue
        if node.data == "number":
            tok = node.children[0]
            if math.isinf(float(tok)):
                pos = _tok_pos(tok, line_offset, col_offset)
                shown = tok if len(tok) <= 24 else tok[:20] + "…"
                problems.append(located(path, source, pos.line, pos.column,
                                        f"the number `{shown}` is too large (the limit is about 1.8e308)",
                                        pos.length))
        stack.extend((child, depth, item) for child in reversed(node.children) if isinstance(child, Tree))
    return problems


def _syntax_error(err: lark.exceptions.LarkError, path: str, source: str, parser: lark.Lark) -> Located:
    line = getattr(err, "line", 1) or 1
    column = getattr(err, "column", 1) or 1
    if isinstance(err, lark.exceptions.UnexpectedToken) and err.token.type == "$END":
        lines = source.split("\n")  # lines end at `\n` alone, as lark counts them
        if len(lines) > 1 and lines[-1] == "":
            lines.pop()
        line, column = len(lines), len(lines[-1]) + 1
    expected = sorted(getattr(err, "expected", None) or getattr(err, "allowed", None) or ())
    names = []
    for term in expected:
        if term in _TERMINAL_TEXT:
            names.append(_TERMINAL_TEXT[term])
            continue
        try:
            pattern = parser.get_terminal(term).pattern
            names.append(f"`{pattern.value}`" if pattern.type == "str" else term.lower())
        except KeyError:
            names.append(term.lower())
    names = sorted(set(names))
    if isinstance(err, lark.exceptions.UnexpectedCharacters):
        what = f"unexpected character `{getattr(err, 'char', None) or '?'}`"
        length = 1
    elif isinstance(err, lark.exceptions.UnexpectedToken):
        tok = err.token
        what = "unexpected end of file" if tok.type == "$END" else f"unexpected `{tok}`"
        length = max(1, len(str(tok))) if tok.type != "$END" else 1
    else:
        what, length = "syntax error", 1
    hint = ""
    if names and len(names) <= 6:
        hint = "; expected " + (names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1])
    elif "`{`" in names:
        hint = "; expected `{`"
    return located(path, source, line, column, what + hint, length)


def parse_expression(text: str, path: str, source: str, line: int, column: int) -> n.Expr:
    """Parse an expression embedded in a message at (line, column) of `source`."""
    parser = _lark()
    try:
        tree = parser.parse(text, start="expr")
    except lark.exceptions.LarkError as err:
        raise PolicyError([_embedded_error(err, path, source, line, column)]) from None
    problems = _limit_problems(tree, path, source, line - 1, column - 1)
    if problems:
        raise PolicyError(problems)
    return _ToAst(line - 1, column - 1).transform(tree)


def _embedded_error(err: Any, path: str, source: str, line: int, column: int) -> Located:
    e_line = getattr(err, "line", 1) or 1
    e_col = getattr(err, "column", 1) or 1
    if e_line == 1:
        e_col += column - 1
    return located(path, source, line + e_line - 1, e_col, "cannot read the expression in this message", 1)


_INTERP = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


def _template(tok: Token, pos: n.Pos, path: str, source: str, problems: list[Located]) -> n.Template:
    """Split a message into text and `{expr}` parts; `{{` and `}}` are literal braces.

    Interpolations are found in the raw token text so that their columns are exact in error messages.
    """
    raw_body = str(tok)[1:-1]
    parts: list[str | n.Expr] = []
    text: list[str] = []
    last = 0
    for m in _INTERP.finditer(raw_body):
        text.append(decode_string('"' + raw_body[last:m.start()] + '"'))
        last = m.end()
        token = m.group(0)
        col = tok.column + 1 + m.start()  # column of the brace in the source
        if token == "{{":
            text.append("{")
        elif token == "}}":
            text.append("}")
        elif m.group(1) is None:
            problems.append(located(path, source, tok.line, col,
                                    "unmatched brace in message; write `{{` or `}}` for a literal brace"))
        elif not m.group(1).strip():
            problems.append(located(path, source, tok.line, col, "empty `{}` in message", 2))
        else:
            if text:
                parts.append("".join(text))
                text = []
            try:
                parts.append(parse_expression(decode_string('"' + m.group(1) + '"'), path, source, tok.line, col + 1))
            except PolicyError as err:
                problems.extend(err.problems)
    text.append(decode_string('"' + raw_body[last:] + '"'))
    if any(text):
        parts.append("".join(text))
    return n.Template(pos, tuple(p for p in parts if p != ""))


def _dedent(text: str) -> str:
    """A triple-quoted example without its common indentation and surrounding blank lines."""
    import textwrap

    return textwrap.dedent(text).strip("\n") + "\n"


def _build_rule(pos: n.Pos, children: list, path: str, source: str, problems: list[Located]) -> n.Rule | None:
    rule_id_tok: Token = children[0]
    items = children[1:]
    meta: dict[str, Any] = {}
    item_pos: dict[str, n.Pos] = {}
    params: list[n.Param] = []
    examples: list[tuple[str, str]] = []
    severity_ifs: list[n.SeverityIf] = []
    bodies: list[n.Body] = []
    scope = "spec"
    clauses: list[n.Clause] = []
    current: dict[str, Any] | None = None  # the body whose `require` was read last

    def close() -> None:
        nonlocal current
        if current is not None:
            bodies.append(n.Body(current["pos"], tuple(current["clauses"]), current["require"],
                                 current.get("message"), current.get("at")))
            current = None

    for kind, ipos, payload in items:
        if kind in ("title", "rationale", "help", "severity", "tags", "scope"):
            if kind in meta:
                problems.append(located(path, source, ipos.line, ipos.column,
                                        f"`{kind}` is given twice in rule {rule_id_tok}", len(kind)))
                continue
            item_pos[kind] = ipos
            if kind == "tags":
                meta[kind] = tuple(decode_string(str(t)) for t in payload if t is not None)
            elif kind == "severity":
                meta[kind] = str(payload[0])
            elif kind == "scope":
                value = str(payload[0])
                if value not in ("spec", "repository"):
                    problems.append(located(path, source, ipos.line, ipos.column + 6,
                                            f"unknown scope `{value}`; expected `spec` or `repository`", len(value)))
                meta[kind] = value
                scope = value
            else:
                meta[kind] = decode_string(str(payload[0]))
        elif kind == "example":
            which = str(payload[0])
            if which not in ("fail", "pass"):
                problems.append(located(path, source, ipos.line, ipos.column + 8,
                                        f"unknown example kind `{which}`; expected `fail` or `pass`", len(which)))
            else:
                examples.append((which, _dedent(str(payload[1])[3:-3])))
        elif kind == "param":
            params.append(n.Param(ipos, str(payload[0]), payload[1]))
        elif kind == "severity_if":
            severity_ifs.append(n.SeverityIf(ipos, str(payload[0]), payload[1]))
        elif kind in ("for", "when", "let"):
            close()
            if kind == "for":
                clauses.append(n.For(ipos, str(payload[0]), payload[1]))
            elif kind == "when":
                clauses.append(n.When(ipos, payload[0]))
            else:
                clauses.append(n.Let(ipos, str(payload[0]), payload[1]))
        elif kind == "require":
            close()
            current = {"pos": ipos, "clauses": clauses, "require": payload[0]}
            clauses = []
        elif kind in ("message", "at"):
            if current is None:
                problems.append(located(path, source, ipos.line, ipos.column,
                                        f"`{kind}` must follow a `require`", len(kind)))
            elif kind in current:
                problems.append(located(path, source, ipos.line, ipos.column,
                                        f"this `require` already has a `{kind}`", len(kind)))
            elif kind == "message":
                current["message"] = _template(payload[0], ipos, path, source, problems)
            else:
                current["at"] = payload[0]
    close()
    if clauses:
        last = clauses[-1].pos
        problems.append(located(path, source, last.line, last.column,
                                "these clauses are not followed by a `require`", 1))
    if not bodies:
        problems.append(located(path, source, pos.line, pos.column,
                                f"rule {rule_id_tok} has no `require`: it can never fire", 4))
    for required in ("title", "severity"):
        if required not in meta:
            problems.append(located(path, source, rule_id_tok.line, rule_id_tok.column,
                                    f"rule {rule_id_tok} has no `{required}`", len(str(rule_id_tok))))
    return n.Rule(pos, str(rule_id_tok), meta.get("title"), meta.get("severity"), meta.get("rationale", ""),
                  meta.get("help", ""), meta.get("tags", ()), tuple(params), scope, tuple(severity_ifs),
                  tuple(bodies), tuple(examples), item_pos)


def parse_policy(source: str, path: str) -> n.PolicyFile:
    """Parse one policy file; raise PolicyError with every structural problem found."""
    parser = _lark()
    try:
        tree = parser.parse(source, start="start")
    except lark.exceptions.UnexpectedInput as err:
        raise PolicyError([_syntax_error(err, path, source, parser)]) from None
    problems: list[Located] = []
    items = []
    for item in tree.children:  # a rule over the limits is reported and left out; the others are read
        beyond = _limit_problems(item, path, source)
        if beyond:
            problems.extend(beyond)
        else:
            items.append(_ToAst().transform(item))
    name, title = "", ""
    rules: list[n.Rule] = []
    for kind, pos, children in items:
        if kind == "header":
            name = str(children[0])
            title = decode_string(str(children[1])) if len(children) > 1 else ""
        else:
            rule = _build_rule(pos, children, path, source, problems)
            if rule is not None:
                rules.append(rule)
    if problems:
        raise PolicyError(sorted(problems, key=lambda p: (p.line, p.column)))
    return n.PolicyFile(path, source, name, title, tuple(rules))
