import json

from risk.i18n import LANGS, LOCALES_DIR, normalise_lang, strings, t


def test_every_string_exists_in_both_languages() -> None:
    for key, entry in strings().items():
        for lang in LANGS:
            assert entry.get(lang, "").strip(), f"{key} has no {lang} text"


def test_locale_files_are_valid_json_without_duplicate_keys() -> None:
    for path in LOCALES_DIR.glob("*.json"):
        pairs = json.loads(path.read_text(encoding="utf-8"), object_pairs_hook=lambda kv: kv)
        keys = [k for k, _ in pairs]
        assert len(keys) == len(set(keys)), path.name


def test_default_is_traditional_chinese() -> None:
    assert t("app.title") == "AI 基礎設施市場篩選儀表板"
    assert t("app.title", "en") == "AI-infrastructure market screening"
    assert normalise_lang("en-US") == "en"
    assert normalise_lang("zh_tw") == "zh-TW"
    assert normalise_lang(None) == "zh-TW"
    assert t("no.such.key") == "no.such.key"


def test_every_framework_unit_has_a_chinese_label(datasets_dir) -> None:  # type: ignore[no-untyped-def]
    import pandas as pd

    from risk.i18n import unit_label

    units = pd.read_csv(datasets_dir / "framework.csv")["unit"].dropna().unique()
    missing = [u for u in units if f"unit.{u}" not in strings()]
    assert missing == []
    assert unit_label("per 100 people", "zh-TW") == "每百人"
    assert unit_label("per 100 people", "en") == "per 100 people"
    assert unit_label("furlongs", "zh-TW") == "furlongs"  # unknown units are shown as written
