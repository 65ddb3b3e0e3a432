"""Latent arithmetic typed by users (latentlab.latent.expression): results and pointed errors."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from latentlab.latent.expression import (
    FUNCTIONS,
    MAX_DEPTH,
    MAX_LENGTH,
    ExpressionError,
    ParsedExpression,
    evaluate_expression,
    is_valid_name,
    parse_expression,
)
from latentlab.latent.interpolation import lerp, slerp

RNG = np.random.default_rng(0)
A, B, C = RNG.normal(size=(3, 4))
GLASSES = RNG.normal(size=(12, 4))
NO_GLASSES = RNG.normal(size=(5, 4))
ITEMS = {"A": A, "B": B, "C": C, "glasses": GLASSES, "no_glasses": NO_GLASSES}


def evaluate(text: str, items=ITEMS) -> np.ndarray:
    return evaluate_expression(text, items)


def error_of(text: str, items=ITEMS) -> ExpressionError:
    with pytest.raises(ExpressionError) as caught:
        evaluate_expression(text, items)
    return caught.value


# --- results ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A - B + C", A - B + C),
        ("A-B+C", A - B + C),
        ("  A\t-  B +C  ", A - B + C),
        ("mean(glasses) - mean(no_glasses) + C", GLASSES.mean(0) - NO_GLASSES.mean(0) + C),
        ("0.5*A + 0.5*B", 0.5 * A + 0.5 * B),
        ("A + 2*B", A + 2 * B),
        ("-A*2", -A * 2),
        ("-A", -A),
        ("+A", A),
        ("--A", A),
        ("(A+B)/2", (A + B) / 2),
        ("A - (B - C)", A - (B - C)),
        ("A / 2 / 2", A / 4),
        ("2 * 3 * A", 6 * A),
        ("(1 + 2) * A", 3 * A),
        ("(1 - 2 + 3) * A / 4", 0.5 * A),
        (".5*A", 0.5 * A),
        ("1e-1*A", 0.1 * A),
        ("2e-1*A", 0.2 * A),
        ("2E+1*A", 20 * A),
        ("1.*A", A),
        ("mean(A)", A),
        ("mean((glasses))", GLASSES.mean(0)),
        ("unit(A)", A / np.linalg.norm(A)),
        ("A − B", A - B),  # a typographic minus pasted from a paper
    ],
)
def test_expressions_compute_what_numpy_computes(text, expected):
    result = evaluate(text)
    assert result.dtype == np.float64
    assert result.shape == (4,)
    np.testing.assert_allclose(result, expected)


def test_lerp_and_slerp_match_the_interpolation_module():
    np.testing.assert_allclose(evaluate("lerp(A, B, 0.3)"), lerp(A, B, 0.3))
    np.testing.assert_allclose(evaluate("slerp(A, B, 0.3)"), slerp(A, B, 0.3))
    np.testing.assert_allclose(
        evaluate("slerp(mean(glasses), C, 1/4)"), slerp(GLASSES.mean(0), C, 0.25)
    )


def test_unit_stays_exact_for_huge_vectors():
    result = evaluate("unit(A)", {"A": np.array([3e300, 4e300])})
    np.testing.assert_allclose(result, [0.6, 0.8])


def test_the_result_is_a_copy_that_does_not_alias_an_item():
    vector = np.array([1.0, 2.0])
    result = evaluate("A", {"A": vector})
    result[0] = 99.0
    assert vector[0] == 1.0


def test_items_may_be_lists_or_integers():
    np.testing.assert_allclose(evaluate("A + B", {"A": [1, 2], "B": np.array([1, 1])}), [2, 3])


def test_a_parsed_expression_can_be_evaluated_many_times():
    parsed = parse_expression("A - B")
    assert isinstance(parsed, ParsedExpression)
    assert parsed.text == "A - B"
    np.testing.assert_allclose(evaluate_expression(parsed, ITEMS), A - B)
    np.testing.assert_allclose(evaluate_expression(parsed, {"A": C, "B": C}), np.zeros(4))


def test_names_lists_the_items_used_once_in_order_without_functions():
    parsed = parse_expression("mean(glasses) - B + slerp(A, B, 0.5) - mean(glasses)")
    assert parsed.names == ("glasses", "B", "A")
    assert parse_expression("2 * 3").names == ()


def test_parsing_needs_no_items():
    # Syntax is checked as the user types, before any item is looked up.
    assert parse_expression("nothing_here + yet").names == ("nothing_here", "yet")


# --- syntax errors ----------------------------------------------------------------------------


def parse_error(text: str) -> ExpressionError:
    with pytest.raises(ExpressionError) as caught:
        parse_expression(text)
    return caught.value


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_an_empty_expression_asks_for_one(text):
    error = parse_error(text)
    assert error.message == "type an expression, e.g. A - B + C"
    assert (error.position, error.length) == (0, 1)


@pytest.mark.parametrize(
    ("text", "position", "length", "fragment"),
    [
        ("A + * B", 4, 1, "expected a number, an item or '(' after '+'"),
        ("A -", 3, 1, "expected a number, an item or '(' after '-'"),
        ("A $ B", 2, 1, "unexpected '$'"),
        ("A B", 2, 1, "expected an operator between 'A' and 'B'"),
        ("A  glasses", 3, 7, "expected an operator between 'A' and 'glasses'"),
        ("2A", 1, 1, "write 2*A"),
        ("(A + B) C", 8, 1, "expected an operator between ')' and 'C'"),
        ("mean(G", 4, 1, "'(' is never closed"),
        ("(A + (B)", 0, 1, "'(' is never closed"),
        ("A)", 1, 1, "')' without a matching '('"),
        (")A", 0, 1, "')' without a matching '('"),
        ("(A))", 3, 1, "')' without a matching '('"),
        ("mean(A,)", 6, 1, "after ','"),
        ("mean(A,", 7, 1, "after ','"),
        ("mean(,A)", 5, 1, "after '('"),
        ("()", 1, 1, "after '('"),
        ("A, B", 1, 1, "',' only separates the arguments of a function"),
        ("(A, B)", 2, 1, "',' only separates the arguments of a function"),
        ("* A", 0, 1, "expected a number, an item or '(', not '*'"),
        ("A ** 2", 2, 2, "'**' is not supported"),
        ("A.B", 1, 1, "unexpected '.'"),
        ("A ^ 2", 2, 1, "unexpected '^'"),
        ("1e999 * A", 0, 5, "too large"),
        ("mean + A", 0, 4, "'mean' is a function: write mean(…)"),
    ],
)
def test_syntax_errors_point_at_the_offending_token(text, position, length, fragment):
    error = parse_error(text)
    assert fragment in error.message
    assert (error.position, error.length) == (position, length)
    assert str(error) == f"{error.message} (column {position + 1})"


def test_unknown_functions_are_rejected_while_parsing_with_a_suggestion():
    error = parse_error("meen(glasses)")
    assert error.message.startswith(
        "unknown function 'meen'; functions are mean, lerp, slerp, unit"
    )
    assert "did you mean 'mean'?" in error.message
    assert (error.position, error.length) == (0, 4)


def test_python_is_never_evaluated():
    error = parse_error("__import__('os').system('echo hacked')")
    assert error.message.startswith("unknown function '__import__'")
    assert (error.position, error.length) == (0, 10)
    for text in ("A.__class__", "[A]", "A if B else C", "lambda: A", "'A'"):
        with pytest.raises(ExpressionError):
            evaluate(text)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("mean()", "mean() takes 1 argument, got none"),
        ("mean(glasses, A)", "mean() takes 1 argument, got 2"),
        ("lerp(A, B)", "lerp() takes 3 arguments, got 2"),
        ("slerp(A)", "slerp() takes 3 arguments, got 1"),
        ("unit(A, B)", "unit() takes 1 argument, got 2"),
    ],
)
def test_wrong_argument_counts_underline_the_whole_call(text, fragment):
    error = parse_error("B + " + text)
    assert fragment in error.message
    assert (error.position, error.length) == (4, len(text))


def test_deep_nesting_gives_a_clear_error_not_a_recursion_error():
    deep = "(" * (MAX_DEPTH + 1) + "A" + ")" * (MAX_DEPTH + 1)
    error = parse_error(deep)
    assert "nested too deeply" in error.message
    assert error.position == MAX_DEPTH
    assert "nested too deeply" in parse_error("-" * 500 + "A").message
    assert "nested too deeply" in parse_error("mean(" * 300).message
    shallow = "(" * (MAX_DEPTH - 1) + "A" + ")" * (MAX_DEPTH - 1)
    np.testing.assert_allclose(evaluate(shallow), A)


def test_long_flat_sums_evaluate_without_recursion():
    text = "+".join(["A"] * 900)
    np.testing.assert_allclose(evaluate(text), 900 * A)


def test_overlong_text_is_rejected():
    error = parse_error("A+" * MAX_LENGTH + "A")
    assert "too long" in error.message
    assert error.position == MAX_LENGTH


# --- evaluation errors ------------------------------------------------------------------------


def test_an_unknown_item_lists_the_items_and_points_at_the_name():
    error = error_of("foo + A")
    assert "unknown item 'foo'" in error.message
    assert "items are: A, B, C, glasses, no_glasses" in error.message
    assert (error.position, error.length) == (0, 3)


def test_a_misspelt_item_gets_a_suggestion():
    error = error_of("A + glases")
    assert "did you mean 'glasses'?" in error.message
    assert (error.position, error.length) == (4, 6)
    assert "did you mean 'A'?" in error_of("a + B").message


def test_an_unknown_item_without_any_items_says_so():
    error = error_of("A", {})
    assert error.message.startswith("unknown item 'A'")
    assert "items are" not in error.message


def test_a_long_item_list_is_cut_short():
    items = {f"v{i:02d}": np.zeros(2) for i in range(30)}
    message = error_of("zzz", items).message
    assert "v11, …" in message
    assert "v12" not in message


@pytest.mark.parametrize(
    ("text", "position", "length"),
    [("glasses", 0, 7), ("A + glasses", 4, 7), ("2 * glasses", 4, 7), ("unit(glasses)", 5, 7)],
)
def test_a_bare_group_asks_for_its_mean(text, position, length):
    error = error_of(text)
    assert error.message == "'glasses' is a group of 12 points: write mean(glasses)"
    assert (error.position, error.length) == (position, length)


def test_a_group_of_one_point_is_still_a_group():
    error = error_of("g", {"g": np.zeros((1, 3))})
    assert error.message == "'g' is a group of 1 point: write mean(g)"


@pytest.mark.parametrize(
    ("text", "fragment", "position", "length"),
    [
        ("A + 1", "can't add a number to a latent vector", 2, 1),
        ("1 + A", "can't add a number to a latent vector", 2, 1),
        ("A - 1", "can't subtract a number from a latent vector", 2, 1),
        ("1 - A", "can't subtract a latent vector from a number", 2, 1),
        ("A * B", "can only multiply a latent vector by a number", 2, 1),
        ("1 / A", "can only divide by a number", 4, 1),
        ("A / B", "can only divide by a number", 4, 1),
        ("A / 0", "division by zero", 4, 1),
        ("A / (1 - 1)", "division by zero", 4, 7),
        ("A / (2*0)", "division by zero", 4, 5),
        ("mean(2)", "mean() needs a group or a latent vector", 5, 1),
        ("unit(A - A)", "zero vector", 5, 5),
        ("unit(3)", "unit() needs a latent vector here, not a number", 5, 1),
        ("lerp(A, 1, 0.5)", "lerp() needs a latent vector here", 8, 1),
        ("slerp(A, B, C)", "t, a number, not a latent vector", 12, 1),
        ("1e300 * A * 1e300", "too large", 10, 1),
    ],
)
def test_evaluation_errors_point_at_the_node_that_failed(text, fragment, position, length):
    error = error_of(text)
    assert fragment in error.message
    assert (error.position, error.length) == (position, length)


def test_vectors_of_different_sizes_are_reported_at_the_operator():
    items = {"A": np.zeros(4), "Z": np.zeros(8)}
    error = error_of("A + Z", items)
    assert "4 and 8" in error.message
    assert (error.position, error.length) == (2, 1)
    error = error_of("lerp(A, Z, 0.5)", items)
    assert "4 and 8" in error.message
    assert (error.position, error.length) == (0, 4)


def test_a_number_is_not_a_latent_vector():
    error = error_of("1 + 2 * 3")
    assert error.message == "the expression is a number, not a latent vector"
    assert (error.position, error.length) == (0, 9)


def test_non_finite_items_are_refused():
    error = error_of("A + B", {"A": np.zeros(2), "B": np.array([np.nan, 0.0])})
    assert "not finite" in error.message
    assert (error.position, error.length) == (4, 1)


def test_errors_survive_pickling_with_their_span():
    error = parse_error("A + * B")
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.message, copy.position, copy.length) == (error.message, 4, 1)
    assert str(copy) == str(error)


def test_expression_error_is_a_value_error_and_underlines_at_least_one_character():
    error = ExpressionError("oops", 3, 0)
    assert isinstance(error, ValueError)
    assert error.length == 1
    assert str(error) == "oops (column 4)"


def test_valid_names_are_identifiers_but_not_functions():
    assert is_valid_name("glasses")
    assert is_valid_name("_x1")
    assert is_valid_name("G2")
    for bad in ("", "1x", "my cat", "a-b", "é", *FUNCTIONS, None):
        assert not is_valid_name(bad)
