from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpbot.tools import ToolInputError, password_check
from helpbot.tools.password import MESSAGES, PROBLEMS, RULE, TYPES, WARNINGS


@pytest.mark.parametrize(
    ("password", "problems"),
    [
        ("Abcd1", ["too_short"]),  # 5 characters
        ("Abcde1", []),  # 6
        ("Abcdefghij123456789!", []),  # 20
        ("Abcdefghij123456789!x", ["too_long"]),  # 21
        ("", ["too_short", "too_few_types"]),
        ("Abc 12345", ["contains_space"]),
        ("Abc\t12345", ["contains_space"]),
        (" Abc12345", ["contains_space"]),
        ("Abcdé12345", ["invalid_character"]),
        ("Abc12345€", ["invalid_character"]),
        ("Abc12345\U0001F600", ["invalid_character"]),
        ("Abc１２３４５", ["invalid_character"]),  # full-width digits are not 0-9
        ("abcdefgh", ["too_few_types"]),
        ("ABCDEFGH", ["too_few_types"]),
        ("12345678", ["too_few_types"]),
        ("!!!!!!!!", ["too_few_types"]),
        ("a b", ["too_short", "contains_space", "too_few_types"]),
        ("é" * 21, ["too_long", "invalid_character", "too_few_types"]),
    ],
)
def test_problems_in_stable_order(password: str, problems: list[str]) -> None:
    result = password_check(password)
    assert result["problems"] == problems
    assert result["valid"] is (not problems)


@pytest.mark.parametrize(
    ("password", "types"),
    [
        ("abcdef", ["lowercase"]),
        ("ABC123", ["uppercase", "digit"]),
        ("!aZ9", ["lowercase", "uppercase", "digit", "punctuation"]),
        ("tree$house", ["lowercase", "punctuation"]),
        ("éèà", []),
    ],
)
def test_types(password: str, types: list[str]) -> None:
    assert password_check(password)["types"] == types


@pytest.mark.parametrize("punctuation", list("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"))
def test_every_ascii_punctuation_mark_counts(punctuation: str) -> None:
    result = password_check("abcdef" + punctuation)
    assert result["valid"] and "punctuation" in result["types"]


@pytest.mark.parametrize(
    ("password", "warnings"),
    [
        ("123456", ["common_password"]),
        ("ABCDEF", ["common_password"]),  # the help text's example, case-insensitive
        ("QwErTy", ["common_password"]),
        ("password", ["common_password", "single_dictionary_word"]),
        ("manager", ["single_dictionary_word"]),
        ("Bamboo", ["single_dictionary_word"]),
        ("bamboo12", ["single_dictionary_word"]),
        ("Manager1!", ["single_dictionary_word"]),
        ("jo@example.com", ["looks_like_email"]),
        ("beatlesfan28", []),  # the help text's good examples
        ("thebestboss", []),
        ("tree$House", []),
        ("Xq7!vR2p", []),
    ],
)
def test_warnings(password: str, warnings: list[str]) -> None:
    assert password_check(password)["warnings"] == warnings


def test_warnings_do_not_make_a_password_invalid() -> None:
    result = password_check("Manager1")
    assert result["valid"] is True
    assert result["warnings"] == ["single_dictionary_word"]


def test_result_shape_and_messages() -> None:
    result = password_check("abc")
    assert set(result) >= {"valid", "problems", "types", "warnings", "rule"}
    assert result["rule"] == RULE
    assert result["messages"] == [MESSAGES["too_short"], MESSAGES["too_few_types"]]
    assert json.loads(json.dumps(result)) == result


def test_bundled_lists_are_a_sensible_size() -> None:
    from helpbot.tools.password import common_passwords, english_words

    assert 300 <= len(common_passwords()) <= 1000
    assert {"123456", "abcdef", "password", "qwerty"} <= common_passwords()
    assert {"manager", "bamboo"} <= english_words()


@pytest.mark.parametrize(
    "value", [None, 123456, 12.5, True, b"secret99", ["Abc123"], {"pw": "Abc123"}]
)
def test_non_string_is_refused_without_echoing_it(value: object) -> None:
    with pytest.raises(ToolInputError) as info:
        password_check(value)
    message = str(info.value)
    assert "string" in message
    for secret in ("123456", "12.5", "secret99", "Abc123"):
        assert secret not in message


@pytest.mark.parametrize("password", ["S3cret!Pass", "hunter2hunter2", "Zz9!Zz9!", "my pass 1"])
def test_password_never_in_result(password: str) -> None:
    assert password not in repr(password_check(password))


VOCABULARY = " ".join([*PROBLEMS, *TYPES, *WARNINGS, *MESSAGES.values(), RULE,
                       "valid problems types warnings messages rule True False"])


@given(st.text(max_size=40))
def test_result_holds_only_fixed_vocabulary(password: str) -> None:
    result = password_check(password)
    strings = [*result["problems"], *result["types"], *result["warnings"],
               *result["messages"], result["rule"]]
    assert all(text in VOCABULARY for text in strings)
    assert isinstance(result["valid"], bool)
    if len(password) >= 6 and password not in VOCABULARY:
        assert password not in repr(result)


@given(st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=6,
               max_size=20))
def test_printable_ascii_is_valid_iff_two_types(password: str) -> None:
    result = password_check(password)
    assert result["valid"] is (len(result["types"]) >= 2)
