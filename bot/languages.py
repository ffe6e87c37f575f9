"""Common summary languages, offered while a `language` option is typed.

Each is a BCP 47 tag (the form DEFAULT_LANGUAGE takes, and what the bot stores after
`bot.validate.normalize_language`), its English name and its own name. Any other language
name or tag is still accepted as typed: this list only saves typing and spelling.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from bot.errors import UserInputError
from bot.validate import normalize_language


@dataclass(frozen=True, slots=True)
class Language:
    """A language people ask summaries in: its tag, English name and own name."""

    tag: str
    name: str
    native: str

    @property
    def label(self) -> str:
        """Return how it is offered: "German · Deutsch (de)"."""
        if self.native == self.name:
            return f"{self.name} ({self.tag})"
        return f"{self.name} · {self.native} ({self.tag})"


COMMON: Final = tuple(
    Language(tag, name, native)
    for tag, name, native in (
        ("en", "English", "English"),
        ("zh-Hans", "Chinese (Simplified)", "简体中文"),
        ("zh-Hant", "Chinese (Traditional)", "繁體中文"),
        ("es", "Spanish", "Español"),
        ("de", "German", "Deutsch"),
        ("fr", "French", "Français"),
        ("ja", "Japanese", "日本語"),
        ("ko", "Korean", "한국어"),
        ("pt-BR", "Portuguese (Brazil)", "Português (Brasil)"),
        ("pt-PT", "Portuguese (Portugal)", "Português (Portugal)"),
        ("ru", "Russian", "Русский"),
        ("it", "Italian", "Italiano"),
        ("hi", "Hindi", "हिन्दी"),
        ("ar", "Arabic", "العربية"),
        ("tr", "Turkish", "Türkçe"),
        ("nl", "Dutch", "Nederlands"),
        ("pl", "Polish", "Polski"),
        ("uk", "Ukrainian", "Українська"),
        ("vi", "Vietnamese", "Tiếng Việt"),
        ("id", "Indonesian", "Bahasa Indonesia"),
        ("fa", "Persian", "فارسی"),
        ("he", "Hebrew", "עברית"),
        ("bn", "Bengali", "বাংলা"),
        ("th", "Thai", "ไทย"),
        ("sv", "Swedish", "Svenska"),
        ("da", "Danish", "Dansk"),
        ("nb", "Norwegian Bokmål", "Norsk bokmål"),
        ("fi", "Finnish", "Suomi"),
        ("cs", "Czech", "Čeština"),
        ("el", "Greek", "Ελληνικά"),
        ("hu", "Hungarian", "Magyar"),
        ("ro", "Romanian", "Română"),
        ("ca", "Catalan", "Català"),
        ("ms", "Malay", "Bahasa Melayu"),
        ("ta", "Tamil", "தமிழ்"),
        ("ur", "Urdu", "اردو"),
        ("sk", "Slovak", "Slovenčina"),
        ("bg", "Bulgarian", "Български"),
        ("hr", "Croatian", "Hrvatski"),
        ("sr", "Serbian", "Српски"),
    )
)


def suggest_languages(typed: str, limit: int = 25) -> list[Language]:
    """Return common languages whose tag or name starts with, then contains, what was typed.

    When nothing in the list matches, what was typed is offered as it will be stored, if it
    is a language name or tag at all: any language Claude writes is accepted.
    """
    wanted = " ".join(typed.split()).casefold()
    if not wanted:
        return list(COMMON[:limit])

    def texts(language: Language) -> tuple[str, ...]:
        return (language.tag.casefold(), language.name.casefold(), language.native.casefold())

    starts = [lang for lang in COMMON if any(t.startswith(wanted) for t in texts(lang))]
    contains = [
        lang for lang in COMMON if lang not in starts and any(wanted in t for t in texts(lang))
    ]
    found = starts + contains
    if not found:
        try:
            own = normalize_language(typed, "en")
        except UserInputError:
            return []
        return [Language(own, own, own)]
    return found[:limit]
