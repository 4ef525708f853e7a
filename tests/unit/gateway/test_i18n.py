"""The pages' message catalogues: both languages complete, and no page text outside them."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from services.gateway.pages import LANGUAGES, STATIC_DIR, TEMPLATES_DIR, catalogue, messages_script

PLACEHOLDER = re.compile(r"\{(\w+)\}")
I18N_ATTRIBUTES = (
    "data-i18n",
    "data-i18n-placeholder",
    "data-i18n-aria-label",
    "data-i18n-alt",
    "data-i18n-title",
)
TEXT_ATTRIBUTES = ("placeholder", "aria-label", "alt", "title")
# Text that is the same in every language: the product name, URL and class-name examples.
LANGUAGE_NEUTRAL = {"VisionFlow", "rtsp://host:554/stream", "person, vehicle"}
JINJA = re.compile(r"{%.*?%}|{{.*?}}|{#.*?#}", re.S)
WORDS = re.compile(r"[A-Za-z]{2,}[^\"]*\s[^\"]*[A-Za-z]{2,}")
JS_STRING = re.compile(r'"((?:[^"\\\n]|\\.)*)"')
# A literal reads as text for people when it starts with a capital, has sentence punctuation or
# three plain words or more; class lists ("badge camera-status ") and selectors do not.
SENTENCE = re.compile(r"^[A-Z][a-z]|[.!?…]$|[.!?…:]\s")
PLAIN_WORD = re.compile(r"[A-Za-z']+[,;]?")


def reads_as_text(literal: str) -> bool:
    words = [word for word in literal.split() if PLAIN_WORD.fullmatch(word)]
    return bool(SENTENCE.search(literal)) or len(words) >= 3


# Literals that read as text but are code: the error api() rejects with before it opens /login.
JS_NOT_TEXT = {"not logged in"}
# Scripts someone else is writing now; their strings move into the catalogue with them.
PENDING_SCRIPTS: set[str] = set()


def catalogues() -> dict[str, dict[str, str]]:
    return {language: catalogue(language) for language in LANGUAGES}


def test_every_language_has_exactly_the_same_keys() -> None:
    every = catalogues()
    english = set(every["en"])
    for language, messages in every.items():
        assert set(messages) == english, (language, sorted(set(messages) ^ english))


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_message_is_empty_and_placeholders_are_english_ones(language: str) -> None:
    """A translation may leave a placeholder out (an English detail), never invent one."""
    english = catalogues()["en"]
    for key, text in catalogue(language).items():
        assert isinstance(text, str) and text.strip(), (language, key)
        assert set(PLACEHOLDER.findall(text)) <= set(PLACEHOLDER.findall(english[key])), (language, key)


def test_catalogue_files_are_plain_json_objects_of_strings() -> None:
    for language in LANGUAGES:
        raw = json.loads((STATIC_DIR / "i18n" / f"{language}.json").read_text(encoding="utf-8"))
        assert isinstance(raw, dict) and all(isinstance(v, str) for v in raw.values())


def test_messages_script_carries_both_catalogues() -> None:
    script = messages_script()
    assert script.startswith("window.VF_MESSAGES = ") and script.rstrip().endswith(";")
    body = json.loads(script.removeprefix("window.VF_MESSAGES = ").rstrip().removesuffix(";"))
    assert body == catalogues()


class _PageText(HTMLParser):
    """Collects visible text and text attributes that do not come from the catalogue."""

    def __init__(self) -> None:
        super().__init__()
        self.keys: set[str] = set()
        self.hard_coded: list[str] = []
        self._skip = 0  # inside <script> / <style>

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ("script", "style"):
            self._skip += 1
        for name in I18N_ATTRIBUTES:
            if values.get(name):
                self.keys.add(str(values[name]))
        for name in TEXT_ATTRIBUTES:
            value = (values.get(name) or "").strip()
            if value and f"data-i18n-{name}" not in values and value not in LANGUAGE_NEUTRAL:
                self.hard_coded.append(f"<{tag} {name}={value!r}>")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        text = data.strip()
        if self._skip or not text or text in LANGUAGE_NEUTRAL or not re.search(r"[^\W\d_]", text):
            return
        self.hard_coded.append(text)


TITLE_KEY = re.compile(r"{%\s*block title_key\s*%}(.*?){%\s*endblock\s*%}")
TITLE_ARGS = re.compile(r"{%\s*block title_args\s*%}.*?{%\s*endblock\s*%}", re.S)


def template_text(path: Path) -> _PageText:
    source = path.read_text(encoding="utf-8")
    # Jinja tags become nothing: what they print is data (names, ids), not page text; the title
    # block holds a message key.
    keys = set(TITLE_KEY.findall(source))
    parser = _PageText()
    parser.feed(JINJA.sub("", TITLE_ARGS.sub("", TITLE_KEY.sub("", source))))
    parser.keys |= keys
    return parser


@pytest.mark.parametrize("path", sorted(TEMPLATES_DIR.glob("*.html")), ids=lambda p: p.name)
def test_templates_take_every_visible_string_from_the_catalogue(path: Path) -> None:
    page = template_text(path)
    assert page.hard_coded == [], page.hard_coded
    missing = page.keys - set(catalogues()["en"])
    assert not missing, missing


def script_literals(path: Path) -> list[str]:
    """The double-quoted string literals of a script, comments left out."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return JS_STRING.findall("\n".join(line for line in lines if not line.strip().startswith("//")))


@pytest.mark.parametrize("path", sorted(STATIC_DIR.glob("*.js")), ids=lambda p: p.name)
def test_scripts_show_no_hard_coded_english(path: Path) -> None:
    """A string literal with words in it is text for people: it belongs in the catalogue."""
    if path.name in PENDING_SCRIPTS:
        pytest.skip(f"{path.name} is being written elsewhere")
    text = [s for s in script_literals(path) if WORDS.search(s) and reads_as_text(s) and s not in JS_NOT_TEXT]
    assert text == [], text


@pytest.mark.parametrize("path", sorted(STATIC_DIR.glob("*.js")), ids=lambda p: p.name)
def test_message_keys_in_scripts_exist(path: Path) -> None:
    english = catalogues()["en"]
    prefixes = {key.split(".")[0] for key in english}
    literals = script_literals(path)
    keys = {
        s for s in literals if re.fullmatch(r"[a-z_]+\.[A-Za-z0-9_.-]+", s) and s.split(".")[0] in prefixes
    }
    keys = {k for k in keys if not k.endswith((".", "_"))}  # prefixes of keys built in code
    missing = sorted(k for k in keys if k not in english and not k.endswith((".js", ".jpg", ".json")))
    assert missing == [], missing


def test_dynamic_message_families_are_complete() -> None:
    """Keys built in scripts ("status." + state, "error." + code) exist for every value."""
    english = catalogues()["en"]
    for state in ("online", "connecting", "offline", "error"):
        assert f"status.{state}" in english
    for code in ("VALIDATION_ERROR", "INVALID_CREDENTIALS", "CAMERA_NOT_FOUND", "SERVER_ERROR"):
        assert f"error.{code}" in english
