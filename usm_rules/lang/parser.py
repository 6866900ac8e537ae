"""Policy text -> AST (nodes.py), the only importer of lark. Syntax errors become located messages with a
caret; what the grammar allows but a rule may not have is structure.py's to say.

Most of this module is the transformer, one method per `-> alias` of the grammar (STYLE: one method per
meaning), which is why it is a little over the house's 400 lines: split, a grammar alternative and the
node it builds would no longer sit in one place.
"""
from __future__ import annotations

import math
import textwrap
import threading
from functools import lru_cache
from typing import Any

import lark
from lark import Token, Transformer, Tree, v_args

from ..errors import Located, PolicyError, located
from ..resources import grammar_file
from . import nodes as n
from .strings import Hole, decode_string, template_parts
from .structure import structure_problems

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


@lru_cache(maxsize=1)
def _lark() -> lark.Lark:
    """The LALR parser, built from the shipped grammar once per process.

    Never cached on disk: lark's `cache=` unpickles its file, and building takes ~50 ms, paid only on a
    cache miss of the compiled program or by the authoring commands (a warm `check` never parses). The
    grammar ignores comments; its lexer still hands each one to `_comment_seen`, which keeps them only for
    a parse that asked (`keep_comments`).
    """
    from ..files import read_text

    return lark.Lark(read_text(str(grammar_file())), parser="lalr", propagate_positions=True,
                     maybe_placeholders=False, start=["start", "expr"], lexer_callbacks={"COMMENT": _comment_seen})


_COMMENTS = threading.local()  # .sink: the list a parse that keeps comments collects them in, else None


def _comment_seen(token: Token) -> Token:
    sink = getattr(_COMMENTS, "sink", None)
    if sink is not None:
        sink.append(n.Comment(_tok_pos(token), str(token)))
    return token


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


class _ToAst(Transformer):
    """Lark tree -> AST nodes (nodes.py), one method per `-> alias` of the grammar. Positions may be shifted
    (for expressions parsed out of a message). Problems in messages' `{expressions}` are collected in
    `problems`."""

    def __init__(self, path: str = "", source: str = "", line_offset: int = 0, col_offset: int = 0) -> None:
        super().__init__()
        self.path = path
        self.source = source
        self.problems: list[Located] = []
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

    def _constant(value: Any):  # type: ignore[misc]  # noqa: N805 - builds a method, in the class body
        @v_args(meta=True)
        def build(self: "_ToAst", meta: Any, children: list) -> n.Literal:
            return n.Literal(self._p(meta), value)

        return build

    true, false, null = _constant(True), _constant(False), _constant(None)

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

    def _binary(op: str):  # type: ignore[misc]  # noqa: N805 - builds a method, in the class body
        @v_args(meta=True)
        def build(self: "_ToAst", meta: Any, children: list) -> n.Binary:
            return n.Binary(self._p(meta), op, children[0], children[1])

        return build

    and_, or_, in_, not_in = _binary("and"), _binary("or"), _binary("in"), _binary("notin")

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

    # rule items, each its node (grammar/policy.lark `rule_item`)
    @v_args(meta=True)
    def title(self, meta: Any, children: list) -> n.Title:
        return n.Title(self._p(meta), decode_string(str(children[0])))

    @v_args(meta=True)
    def severity(self, meta: Any, children: list) -> n.Severity:
        return n.Severity(self._p(meta), str(children[0]))

    @v_args(meta=True)
    def severity_if(self, meta: Any, children: list) -> n.SeverityIf:
        return n.SeverityIf(self._p(meta), str(children[0]), children[1])

    @v_args(meta=True)
    def rationale(self, meta: Any, children: list) -> n.Rationale:
        return n.Rationale(self._p(meta), decode_string(str(children[0])))

    @v_args(meta=True)
    def help(self, meta: Any, children: list) -> n.Help:
        return n.Help(self._p(meta), decode_string(str(children[0])))

    @v_args(meta=True)
    def enforce_from(self, meta: Any, children: list) -> n.EnforceFrom:
        return n.EnforceFrom(self._p(meta), decode_string(str(children[0])))

    @v_args(meta=True)
    def warn_until(self, meta: Any, children: list) -> n.WarnUntil:
        return n.WarnUntil(self._p(meta), decode_string(str(children[0])))

    @v_args(meta=True)
    def tags(self, meta: Any, children: list) -> n.Tags:
        return n.Tags(self._p(meta), tuple(decode_string(str(t)) for t in children if t is not None))

    @v_args(meta=True)
    def example(self, meta: Any, children: list) -> n.Example:
        raw = str(children[1])
        text = textwrap.dedent(raw[3:-3]).strip("\n") + "\n"  # without common indentation and blank edges
        return n.Example(self._p(meta), str(children[0]), self._t(children[0]), raw, text)

    @v_args(meta=True)
    def param(self, meta: Any, children: list) -> n.Param:
        return n.Param(self._p(meta), str(children[0]), children[1])

    @v_args(meta=True)
    def scope(self, meta: Any, children: list) -> n.Scope:
        return n.Scope(self._p(meta), str(children[0]), self._t(children[0]))

    @v_args(meta=True)
    def for_clause(self, meta: Any, children: list) -> n.For:
        return n.For(self._p(meta), str(children[0]), children[1])

    @v_args(meta=True)
    def when_clause(self, meta: Any, children: list) -> n.When:
        return n.When(self._p(meta), children[0])

    @v_args(meta=True)
    def let_clause(self, meta: Any, children: list) -> n.Let:
        return n.Let(self._p(meta), str(children[0]), children[1])

    @v_args(meta=True)
    def require(self, meta: Any, children: list) -> n.Require:
        return n.Require(self._p(meta), children[0])

    @v_args(meta=True)
    def message(self, meta: Any, children: list) -> n.Message:
        pos = self._p(meta)
        token = children[0]
        return n.Message(pos, decode_string(str(token)), _template(token, pos, self.path, self.source, self.problems))

    @v_args(meta=True)
    def at(self, meta: Any, children: list) -> n.At:
        return n.At(self._p(meta), children[0])

    @v_args(meta=True)
    def rule(self, meta: Any, children: list) -> n.Rule:
        rule_id = children[0]
        return n.build_rule(self._p(meta), str(rule_id), self._t(rule_id), tuple(children[1:]))

    @v_args(meta=True)
    def header(self, meta: Any, children: list) -> n.Header:
        return n.Header(self._p(meta), str(children[0]), decode_string(str(children[1])) if len(children) > 1 else None)


# Trees that are not expressions: they do not count towards the nesting limit.
_NOT_EXPRESSIONS = frozenset({"start", "header", "rule", "title", "severity", "severity_if", "rationale", "help",
                              "enforce_from", "warn_until", "tags", "example", "param", "scope", "for_clause", "when_clause", "let_clause",
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
    return _ToAst(path, source, line - 1, column - 1).transform(tree)


def _embedded_error(err: Any, path: str, source: str, line: int, column: int) -> Located:
    e_line = getattr(err, "line", 1) or 1
    e_col = getattr(err, "column", 1) or 1
    if e_line == 1:
        e_col += column - 1
    return located(path, source, line + e_line - 1, e_col, "cannot read the expression in this message", 1)


def _template(tok: Token, pos: n.Pos, path: str, source: str, problems: list[Located]) -> n.Template:
    """A message's text and `{expr}` parts (strings.template_parts), each expression parsed where it stands."""
    parts: list[str | n.Expr] = []
    pieces, troubles = template_parts(str(tok), tok.line, tok.column)
    problems.extend(located(path, source, line, column, message, length) for line, column, message, length in troubles)
    for piece in pieces:
        if isinstance(piece, Hole):
            try:
                parts.append(parse_expression(piece.text, path, source, piece.line, piece.column))
            except PolicyError as err:
                problems.extend(err.problems)
        else:
            parts.append(piece)
    return n.Template(pos, tuple(parts))


def parse_policy(source: str, path: str, *, keep_comments: bool = False) -> n.PolicyFile:
    """Parse one policy file; raise PolicyError with every structural problem found.

    With `keep_comments`, the file's comments come with it (PolicyFile.comments, in source order): all the
    formatter needs to print it.
    """
    parser = _lark()
    comments: list[n.Comment] = []
    _COMMENTS.sink = comments if keep_comments else None
    try:
        tree = parser.parse(source, start="start")
    except lark.exceptions.UnexpectedInput as err:
        raise PolicyError([_syntax_error(err, path, source, parser)]) from None
    finally:
        _COMMENTS.sink = None
    problems: list[Located] = []
    header: n.Header | None = None
    rules: list[n.Rule] = []
    for item in tree.children:  # a rule over the limits is reported and left out; the others are read
        beyond = _limit_problems(item, path, source)
        if beyond:
            problems.extend(beyond)
            continue
        to_ast = _ToAst(path, source)
        node = to_ast.transform(item)
        problems.extend(to_ast.problems)
        if isinstance(node, n.Header):
            header = node
        else:
            problems.extend(structure_problems(node, path, source))
            rules.append(node)
    if problems:
        raise PolicyError(sorted(problems, key=lambda p: (p.line, p.column)))
    return n.PolicyFile(path, source, header, tuple(rules), tuple(comments))
