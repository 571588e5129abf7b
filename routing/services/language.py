"""Language of a customer's first messages (Lingua, restricted to the languages we serve)."""

from functools import cache

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

SUPPORTED_LANGUAGES = {
    "en": Language.ENGLISH,
    "es": Language.SPANISH,
    "pt": Language.PORTUGUESE,
    "fr": Language.FRENCH,
    "de": Language.GERMAN,
    "it": Language.ITALIAN,
}
_CODES = {language: code for code, language in SUPPORTED_LANGUAGES.items()}
MIN_TEXT_LENGTH = 3


@cache
def _detector() -> LanguageDetector:
    """Built once per process: the models are loaded lazily and then shared."""
    return (
        LanguageDetectorBuilder.from_languages(*SUPPORTED_LANGUAGES.values())
        .with_minimum_relative_distance(0.05)
        .build()
    )


def detect_language(text: str) -> str:
    """ISO 639-1 code, or "" when the text is too short or too ambiguous to tell."""
    text = text.strip()
    if len(text) < MIN_TEXT_LENGTH:
        return ""
    language = _detector().detect_language_of(text)
    return _CODES.get(language, "") if language is not None else ""
